package io.hearth.client.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import io.hearth.client.InProcessCluster;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What programs expect of files: sparse, huge, appended, shared handles, many writers at once. */
class FileSemanticsTest {
  private static final long GIB = 1L << 30;
  private static InProcessCluster cluster;
  private static HearthClient client;

  @BeforeAll
  static void start() throws Exception {
    cluster = new InProcessCluster(3);
    client = HearthClient.connect(cluster.spec());
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    cluster.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] read(HearthFile f, long off, int len) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(len);
    int n = f.pread(b, off);
    return Arrays.copyOf(b.array(), Math.max(0, n));
  }

  @Test
  void emptyFileReadsNothing() throws Exception {
    try (HearthFile f = client.open("/empty", HearthFile.O_RDWR | HearthFile.O_CREAT, 0644)) {
      assertEquals(0, f.size());
      assertEquals(-1, f.read(ByteBuffer.allocate(16)));
    }
    assertEquals(0, client.stat("/empty").size());
  }

  @Test
  void sparse64GibFileHasHolesOfZeros() throws Exception {
    long size = 64 * GIB;
    try (HearthFile f = client.open("/sparse", HearthFile.O_RDWR | HearthFile.O_CREAT, 0644)) {
      f.pwrite(ByteBuffer.wrap(bytes("head")), 0);
      f.pwrite(ByteBuffer.wrap(bytes("middle")), 32 * GIB);
      f.pwrite(ByteBuffer.wrap(bytes("tail")), size - 4);
    }
    assertEquals(size, client.stat("/sparse").size());
    try (HearthClient other = HearthClient.connect(cluster.spec());
        HearthFile f = other.open("/sparse", HearthFile.O_RDONLY)) {
      assertEquals(size, f.size());
      assertArrayEquals(bytes("head\0\0"), read(f, 0, 6));
      assertArrayEquals(new byte[4096], read(f, 16 * GIB, 4096), "a hole reads as zeros");
      assertArrayEquals(bytes("\0middle\0"), read(f, 32 * GIB - 1, 8));
      assertArrayEquals(bytes("\0tail"), read(f, size - 5, 100), "short read at the end");
      assertEquals(-1, f.pread(ByteBuffer.allocate(1), size));
    }
  }

  @Test
  void truncateExtendReadsZerosAndShrinkDropsBytes() throws Exception {
    try (HearthFile f = client.open("/t", HearthFile.O_RDWR | HearthFile.O_CREAT, 0644)) {
      f.write(ByteBuffer.wrap(bytes("abcdefgh")));
      f.truncate(3);
      assertArrayEquals(bytes("abc"), read(f, 0, 100));
      f.truncate(6);
      assertArrayEquals(bytes("abc\0\0\0"), read(f, 0, 100));
      f.pwrite(ByteBuffer.wrap(bytes("Z")), 4);
      assertArrayEquals(bytes("abc\0Z\0"), read(f, 0, 100));
    }
    client.truncate("/t", 2);
    try (HearthFile f = client.open("/t", HearthFile.O_RDONLY)) {
      assertArrayEquals(bytes("ab"), read(f, 0, 100));
    }
  }

  @Test
  void appendAndTruncOnOpen() throws Exception {
    try (HearthFile f = client.open("/log", HearthFile.O_WRONLY | HearthFile.O_CREAT, 0644)) {
      f.write(ByteBuffer.wrap(bytes("one\n")));
    }
    try (HearthFile f = client.open("/log", HearthFile.O_WRONLY | HearthFile.O_APPEND)) {
      f.position(0); // O_APPEND writes at the end whatever the position
      f.write(ByteBuffer.wrap(bytes("two\n")));
    }
    try (HearthFile f = client.open("/log", HearthFile.O_RDONLY)) {
      assertArrayEquals(bytes("one\ntwo\n"), read(f, 0, 100));
    }
    try (HearthFile f = client.open("/log", HearthFile.O_WRONLY | HearthFile.O_TRUNC)) {
      assertEquals(0, f.size());
    }
    assertEquals(0, client.stat("/log").size());
  }

  @Test
  void handlesOfOneClientShareUnflushedWrites() throws Exception {
    try (HearthFile w = client.open("/shared", HearthFile.O_WRONLY | HearthFile.O_CREAT, 0644);
        HearthFile r = client.open("/shared", HearthFile.O_RDONLY)) {
      w.write(ByteBuffer.wrap(bytes("not flushed yet")));
      assertArrayEquals(bytes("not flushed yet"), read(r, 0, 100), "POSIX within a client");
      assertEquals(15, client.stat("/shared").size(), "stat counts unflushed writes");
      try (HearthClient other = HearthClient.connect(cluster.spec())) {
        assertEquals(0, other.stat("/shared").size(), "another client sees it after close");
      }
    }
    try (HearthClient other = HearthClient.connect(cluster.spec());
        HearthFile r = other.open("/shared", HearthFile.O_RDONLY)) {
      assertArrayEquals(bytes("not flushed yet"), read(r, 0, 100), "close-to-open");
    }
  }

  @Test
  void timesSetOnAnOpenFileSurviveItsClose() throws Exception {
    long mtime = 1_600_000_000_123_456_789L;
    try (HearthFile f = client.open("/touched", HearthFile.O_WRONLY | HearthFile.O_CREAT, 0644)) {
      f.write(ByteBuffer.wrap(bytes("written before the utimens, flushed at close")));
      client.utimens("/touched", HearthClient.UTIME_OMIT, mtime, false); // as cp -a and tar x do
    }
    assertEquals(mtime, client.stat("/touched").mtimeNs(), "the close must not move mtime");
  }

  @Test
  void manyFilesWrittenConcurrently() throws Exception {
    long seed = System.nanoTime();
    System.out.println("manyFilesWrittenConcurrently seed=" + seed);
    client.mkdir("/many", 0755);
    int threads = 16;
    int perThread = 12;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Random rnd = new Random(seed + t);
        int tt = t;
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    String p = "/many/" + tt + "-" + i;
                    byte[] data = new byte[rnd.nextInt(300_000)];
                    rnd.nextBytes(data);
                    try (HearthFile f =
                        client.open(p, HearthFile.O_WRONLY | HearthFile.O_CREAT, 0644)) {
                      f.write(ByteBuffer.wrap(data));
                    }
                    try (HearthFile f = client.open(p, HearthFile.O_RDONLY)) {
                      assertArrayEquals(data, read(f, 0, data.length + 1), p);
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(threads * perThread, client.list("/many", false).size());
    assertTrue(cluster.fatal.get() == null);
  }
}
