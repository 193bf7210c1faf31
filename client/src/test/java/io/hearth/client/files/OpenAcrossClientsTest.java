package io.hearth.client.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import io.hearth.client.InProcessCluster;
import io.hearth.client.meta.MetaClient;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * open(2) between two clients (two nodes): atomic, and one request; and a file one client appends
 * to seen growing by another that holds it open.
 */
class OpenAcrossClientsTest {
  private static InProcessCluster cluster;
  private static HearthClient a;
  private static HearthClient b;

  @BeforeAll
  static void start() throws Exception {
    cluster = new InProcessCluster(3);
    a = HearthClient.connect(cluster.spec());
    b = HearthClient.connect(cluster.spec());
    a.mkdir("/race", 0777);
    a.sessionId(); // each opens its session now, so that counting a test's requests omits it
    b.sessionId();
  }

  @AfterAll
  static void stop() throws Exception {
    a.close();
    b.close();
    cluster.close();
  }

  @Test
  void racingExclusiveCreatesGiveExactlyOneSuccess() throws Exception {
    int flags = HearthFile.O_CREAT | HearthFile.O_EXCL | HearthFile.O_WRONLY;
    try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
      for (int round = 0; round < 30; round++) {
        String path = "/race/f" + round;
        List<Future<Errno>> tries = new ArrayList<>();
        for (HearthClient c : List.of(a, b)) {
          Callable<Errno> open =
              () -> {
                try (HearthFile f = c.open(path, flags, 0644)) {
                  return null;
                } catch (HearthException e) {
                  return e.errno();
                }
              };
          tries.add(pool.submit(open));
        }
        Errno first = tries.get(0).get();
        Errno second = tries.get(1).get();
        assertTrue(
            (first == null) != (second == null),
            "round " + round + ": exactly one create wins: " + first + ", " + second);
        assertEquals(Errno.EEXIST, first == null ? second : first, "the other is told EEXIST");
      }
    }
  }

  @Test
  void truncatingOpenIsOneRequestAndOneStepForAReader() throws Exception {
    try (HearthFile w = a.open("/race/t", HearthFile.O_CREAT | HearthFile.O_WRONLY, 0644)) {
      w.write(ByteBuffer.wrap("old contents".getBytes(StandardCharsets.UTF_8)));
    }
    try (HearthFile r = b.open("/race/t", HearthFile.O_RDONLY)) {
      ByteBuffer buf = ByteBuffer.allocate(64);
      assertEquals(12, r.pread(buf, 0));
      MetaClient.Sent before = a.meta().sent();
      try (HearthFile t = a.open("/race/t", HearthFile.O_TRUNC | HearthFile.O_WRONLY)) {
        MetaClient.Sent open = a.meta().sent().minus(before);
        assertEquals(new MetaClient.Sent(0, 1), open, "lookup, check and truncate: one entry");
        assertEquals(0, t.statAtOpen().size(), "the open's own answer is the truncated file");
      }
      assertEquals(0, r.stat().size(), "the reader's fstat sees it");
      assertEquals(-1, r.pread(ByteBuffer.allocate(64), 0), "and its reads end at once");
    }
    MetaClient.Sent before = a.meta().sent();
    a.open("/race/t", HearthFile.O_RDONLY).close();
    assertEquals(new MetaClient.Sent(1, 0), a.meta().sent().minus(before), "a plain open: a read");
  }

  @Test
  void aFileAppendedOnOneClientIsSeenGrowingOnAnotherThatHoldsItOpen() throws Exception {
    try (HearthFile w = a.open("/race/log", HearthFile.O_CREAT | HearthFile.O_WRONLY, 0644)) {
      w.write(ByteBuffer.wrap("epoch 0\n".getBytes(StandardCharsets.UTF_8)));
    }
    StringBuilder expected = new StringBuilder("epoch 0\n");
    try (HearthFile r = b.open("/race/log", HearthFile.O_RDONLY);
        HearthFile w = a.open("/race/log", HearthFile.O_WRONLY | HearthFile.O_APPEND)) {
      for (int i = 1; i <= 4; i++) {
        String line = "epoch " + i + "\n";
        w.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
        w.fsync();
        expected.append(line);
        assertEquals(expected.length(), r.stat().size(), "fstat after line " + i);
        assertEquals(expected.length(), b.stat("/race/log").size(), "stat after line " + i);
        byte[] all = new byte[expected.length()];
        assertEquals(all.length, r.pread(ByteBuffer.wrap(all), 0));
        assertArrayEquals(expected.toString().getBytes(StandardCharsets.UTF_8), all);
      }
    }
  }

  /**
   * How long an orphan may outlive its last close: the client reports the close with its next poll
   * (a third of the TTL), the leader's keeper reaps within its step.
   */
  static final long REAP_WAIT_MS = 15_000;

  @Test
  void aFileUnlinkedElsewhereWhileOpenStaysUsableUntilItsLastClose() throws Exception {
    HearthFile f = a.open("/race/scratch", HearthFile.O_CREAT | HearthFile.O_RDWR, 0600);
    f.write(ByteBuffer.wrap("before;".getBytes(StandardCharsets.UTF_8)));
    f.flush();
    b.unlink("/race/scratch"); // another node
    assertEquals(Errno.ENOENT, errnoOf(() -> b.stat("/race/scratch")), "the name is gone");
    Thread.sleep(1_000); // the leader's keeper runs every 200 ms: it must not reap it
    f.write(ByteBuffer.wrap(" after".getBytes(StandardCharsets.UTF_8)));
    f.fsync();
    byte[] all = new byte[13];
    assertEquals(13, f.pread(ByteBuffer.wrap(all), 0));
    assertArrayEquals("before; after".getBytes(StandardCharsets.UTF_8), all);
    assertEquals(0, f.stat().nlink());
    long ino = f.ino();
    f.close();
    waitFor(() -> errnoOf(() -> b.stat(ino)) == Errno.ENOENT, "gone after the last close");
  }

  @Test
  void aFileReplacedByRenameElsewhereWhileOpenStaysUsable() throws Exception {
    try (HearthFile w = b.open("/race/new", HearthFile.O_CREAT | HearthFile.O_WRONLY, 0644)) {
      w.write(ByteBuffer.wrap("new".getBytes(StandardCharsets.UTF_8)));
    }
    HearthFile old = a.open("/race/old", HearthFile.O_CREAT | HearthFile.O_RDWR, 0644);
    old.write(ByteBuffer.wrap("old".getBytes(StandardCharsets.UTF_8)));
    old.flush();
    b.rename("/race/new", "/race/old");
    Thread.sleep(1_000);
    byte[] got = new byte[3];
    assertEquals(3, old.pread(ByteBuffer.wrap(got), 0));
    assertArrayEquals("old".getBytes(StandardCharsets.UTF_8), got, "the replaced file's bytes");
    long ino = old.ino();
    old.close();
    waitFor(() -> errnoOf(() -> b.stat(ino)) == Errno.ENOENT, "gone after the last close");
  }

  private static void waitFor(java.util.function.BooleanSupplier done, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + REAP_WAIT_MS * 1_000_000;
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + ": not within " + REAP_WAIT_MS + " ms");
      }
      Thread.sleep(100);
    }
  }

  private interface Call {
    void run() throws HearthException;
  }

  private static Errno errnoOf(Call c) {
    try {
      c.run();
      return null;
    } catch (HearthException e) {
      return e.errno();
    }
  }
}
