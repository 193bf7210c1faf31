package io.hearth.client.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.FileBytes;
import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import io.hearth.protocol.Groups;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.data.DataStat;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Writers stream large files (1 MiB writes, closed at the end) while one data replica is killed
 * with SIGKILL and restarted, then the data group's leader. Afterwards every file whose close
 * returned success reads back byte-exact from a fresh client, every failed write reported an errno
 * (no silent loss), and the restarted replicas have repaired the blocks they missed: all three hold
 * the same number of blocks and none lacks one another has. Reports (does not assert) how many
 * writes failed.
 */
class DataFailoverTest {
  private static final int WRITERS = 3;
  private static final int FILE_MIB_MIN = 8;
  private static final int FILE_MIB_MAX = 24;
  private static final Duration PHASE = Duration.ofSeconds(6);
  private static final RaftGroupId DATA0 = RaftGroupId.valueOf(Groups.data(0));

  record Written(String path, long seed, int mib) {}

  @Test
  @Timeout(400)
  void killReplicaThenLeaderDuringLargeWrites() throws Exception {
    long seed = Long.getLong("hearth.seed", System.nanoTime());
    System.out.println("DataFailoverTest seed=" + seed);
    ProcessCluster.run(
        "datafail",
        3,
        Map.of(),
        c -> {
          c.waitForLeader(Duration.ofSeconds(60));
          ConcurrentLinkedQueue<Written> ok = new ConcurrentLinkedQueue<>();
          ConcurrentLinkedQueue<String> failed = new ConcurrentLinkedQueue<>();
          AtomicBoolean stop = new AtomicBoolean();
          List<Thread> writers = new ArrayList<>();
          try (HearthClient h = c.client()) {
            h.mkdir("/w", 0755);
            for (int w = 0; w < WRITERS; w++) {
              Random rnd = new Random(seed + w);
              int id = w;
              writers.add(Thread.ofPlatform().start(() -> writeLoop(h, id, rnd, stop, ok, failed)));
            }
            Thread.sleep(PHASE.toMillis());
            String leader = waitForDataLeader(c);
            String follower = c.ids().stream().filter(i -> !i.equals(leader)).findFirst().get();
            c.log("kill -9 data follower " + follower);
            c.kill9(follower);
            Thread.sleep(PHASE.toMillis());
            c.start(follower);
            c.waitUp(follower, Duration.ofSeconds(60));
            Thread.sleep(PHASE.toMillis());
            String leader2 = waitForDataLeader(c);
            c.log("kill -9 data leader " + leader2);
            c.kill9(leader2);
            Thread.sleep(PHASE.toMillis());
            c.start(leader2);
            c.waitUp(leader2, Duration.ofSeconds(60));
            Thread.sleep(PHASE.toMillis());
            stop.set(true);
            for (Thread t : writers) {
              t.join(200_000);
              assertTrue(!t.isAlive(), "a writer hangs");
            }
          }
          c.log("files closed ok: " + ok.size() + ", writes that failed with an errno: " + failed);
          assertTrue(ok.size() >= WRITERS, "too few files written: " + ok.size());
          try (HearthClient fresh = c.client()) {
            for (Written f : ok) {
              assertArrayEquals(
                  sha(content(f.seed(), f.mib())), sha(FileBytes.read(fresh, f.path())), f.path());
            }
            awaitRepaired(c, fresh);
          }
        });
  }

  private static String waitForDataLeader(ProcessCluster c) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (Instant.now().isBefore(deadline)) {
      String l = c.leaderId(DATA0);
      if (l != null) {
        return l;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no data group leader");
  }

  private static void writeLoop(
      HearthClient h,
      int writer,
      Random rnd,
      AtomicBoolean stop,
      ConcurrentLinkedQueue<Written> ok,
      ConcurrentLinkedQueue<String> failed) {
    for (int n = 0; !stop.get(); n++) {
      String path = "/w/" + writer + "-" + n;
      long seed = rnd.nextLong();
      int mib = FILE_MIB_MIN + rnd.nextInt(FILE_MIB_MAX - FILE_MIB_MIN + 1);
      byte[] data = content(seed, mib);
      try (HearthFile f = h.open(path, HearthFile.O_WRONLY | HearthFile.O_CREAT, 0644)) {
        for (int off = 0; off < data.length; off += 1 << 20) {
          f.write(ByteBuffer.wrap(data, off, 1 << 20));
        }
        f.close();
        ok.add(new Written(path, seed, mib));
      } catch (HearthException e) {
        failed.add(path + ": " + e.errno());
      }
    }
  }

  static byte[] content(long seed, int mib) {
    byte[] b = new byte[mib << 20];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] sha(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(b);
  }

  /**
   * Waits until the replicas agree: each holds the same number of blocks and awaits repair of the
   * same number, so no replica lacks a block another has. A block that all of them await is one no
   * replica ever stored; the callers check separately that every acknowledged file reads back.
   */
  static void awaitRepaired(ProcessCluster c, HearthClient h) throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
    Map<String, DataStat> stats = Map.of();
    while (Instant.now().isBefore(deadline)) {
      stats = h.vfs().blocks().nodeStats();
      boolean done =
          stats.size() == 3
              && stats.values().stream().map(DataStat::getBlocks).distinct().count() == 1
              && stats.values().stream().map(DataStat::getMissingBlocks).distinct().count() == 1;
      if (done) {
        DataStat any = stats.values().iterator().next();
        c.log(
            "replicas repaired: "
                + any.getBlocks()
                + " blocks each, "
                + any.getMissingBlocks()
                + " awaited by all (never stored anywhere)");
        return;
      }
      Thread.sleep(500);
    }
    assertEquals("repaired", "not repaired: " + stats);
  }
}
