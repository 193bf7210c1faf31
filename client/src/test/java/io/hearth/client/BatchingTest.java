package io.hearth.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * Concurrent calls leave as batches (one Raft entry, one read): each call must still get its own
 * answer, a failing call must leave no trace and must not disturb its neighbours.
 */
class BatchingTest {
  @Test
  void concurrentCallsGetTheirOwnAnswers() throws Exception {
    try (InProcessCluster c = new InProcessCluster(3);
        HearthClient h = HearthClient.connect(c.spec())) {
      h.mkdir("/d", 0755);
      // 200 async mkdirs, every third one a duplicate of an earlier name: EEXIST for exactly those.
      List<CompletableFuture<Stat>> calls = new ArrayList<>();
      List<String> names = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String name = i % 3 == 2 ? "x" + (i - 1) : "x" + i;
        names.add(name);
        calls.add(h.mkdirAsync("/d/" + name, 0700));
      }
      Set<String> created = new HashSet<>();
      Set<Long> inos = new HashSet<>();
      for (int i = 0; i < calls.size(); i++) {
        try {
          Stat s = calls.get(i).join();
          assertTrue(created.add(names.get(i)), "created twice: " + names.get(i));
          assertTrue(inos.add(s.ino()), "inode number reused: " + s.ino());
        } catch (CompletionException e) {
          HearthException he = (HearthException) e.getCause();
          assertEquals(Errno.EEXIST, he.errno(), names.get(i));
          assertTrue(
              created.contains(names.get(i)), "EEXIST before the first create: " + names.get(i));
        }
      }
      List<DirEntry> listed = h.list("/d", false);
      assertEquals(created.size(), listed.size());
      assertEquals(
          2 + created.size(), h.stat("/d").nlink(), "a failed mkdir must not count a link");
      // Reads in flight together answer each for itself, errors included.
      List<CompletableFuture<Stat>> stats = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        stats.add(h.statAsync(i % 2 == 0 ? "/d/x" + (i - i % 3) : "/d/missing" + i));
      }
      for (int i = 0; i < stats.size(); i++) {
        if (i % 2 == 0) {
          assertTrue(stats.get(i).join().isDir());
        } else {
          int k = i;
          var e =
              org.junit.jupiter.api.Assertions.assertThrows(
                  CompletionException.class, () -> stats.get(k).join());
          assertEquals(Errno.ENOENT, ((HearthException) e.getCause()).errno());
        }
      }
    }
  }

  /**
   * A client's first open fetches the data layout under a lock; stats batched ahead of that fetch
   * complete first, on the same thread, and must not need that lock (they did: the open hung until
   * the retry deadline, then failed with ETIMEDOUT).
   */
  @Test
  void firstOpenWhileStatsAreInFlight() throws Exception {
    try (InProcessCluster c = new InProcessCluster(3)) {
      try (HearthClient h = HearthClient.connect(c.spec())) {
        h.open("/f", HearthFile.O_WRONLY | HearthFile.O_CREAT, 0644).close();
      }
      for (int round = 0; round < 10; round++) {
        try (HearthClient h = HearthClient.connect(c.spec())) {
          h.stat("/f"); // connected
          List<CompletableFuture<Stat>> stats = new ArrayList<>();
          stats.add(h.statAsync("/f")); // in flight: the next ones queue behind it as one batch
          for (int i = 0; i < 20; i++) {
            stats.add(h.statAsync("/f"));
          }
          CompletableFuture<Void> open =
              CompletableFuture.runAsync(
                  () -> {
                    try {
                      h.open("/f", HearthFile.O_RDONLY).close();
                    } catch (HearthException e) {
                      throw new CompletionException(e);
                    }
                  },
                  r -> Thread.ofPlatform().start(r));
          for (int i = 0; i < 20; i++) {
            stats.add(h.statAsync("/f"));
          }
          open.get(20, java.util.concurrent.TimeUnit.SECONDS);
          for (CompletableFuture<Stat> s : stats) {
            assertTrue(s.get(20, java.util.concurrent.TimeUnit.SECONDS).isRegular());
          }
        }
      }
    }
  }
}
