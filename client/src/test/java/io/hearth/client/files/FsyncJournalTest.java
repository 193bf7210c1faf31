package io.hearth.client.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.FileBytes;
import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import io.hearth.client.InProcessCluster;
import io.hearth.protocol.Limits;
import io.hearth.protocol.meta.Extent;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * fsync's write-ahead: small fsync'd writes past a small file's first 64 KiB are committed inline
 * (one meta commit each) and moved into their block later. What readers see must not change: every
 * fsync'd byte is there for a client that opens the file after the fsync, the file is whole after
 * close with no data left in the namespace, and moving the bytes never undoes another client's
 * later write.
 */
class FsyncJournalTest {
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

  private static List<Extent> extents(String path) throws Exception {
    return FileBytes.extents(client, client.stat(path).ino(), Limits.FILE_SIZE_MAX_BYTES);
  }

  /** Bytes held inline past a small file's range: only an fsync's write-ahead puts them there. */
  private static long inlineBytes(List<Extent> extents) {
    return extents.stream()
        .filter(e -> e.getFileOff() >= Limits.INLINE_FILE_MAX_BYTES)
        .mapToLong(e -> e.getInline().size())
        .sum();
  }

  private static byte[] readAll(String path) throws Exception {
    try (HearthClient other = HearthClient.connect(cluster.spec())) {
      return FileBytes.read(other, path);
    }
  }

  @Test
  void fsyncedAppendsAreReadableAtOnceAndEndUpInBlocks() throws Exception {
    long seed = System.nanoTime();
    System.out.println("FsyncJournalTest seed=" + seed);
    Random rnd = new Random(seed);
    int page = 4096;
    int pages = 64 + 300; // past the first 64 KiB, and past the journal's 1 MiB of one block
    byte[] model = new byte[pages * page];
    rnd.nextBytes(model);
    try (HearthFile f = client.open("/wal", HearthFile.O_WRONLY | HearthFile.O_CREAT, 0644)) {
      for (int i = 0; i < pages; i++) {
        f.write(ByteBuffer.wrap(model, i * page, page));
        f.fsync();
        if (i == 70 || i == pages - 1) { // durable and visible to a client opening now
          byte[] got = readAll("/wal");
          assertArrayEquals(Arrays.copyOf(model, (i + 1) * page), got, "after fsync " + i);
        }
      }
      assertTrue(inlineBytes(extents("/wal")) > 0, "fsyncs committed bytes inline");
    }
    assertArrayEquals(model, readAll("/wal"));
    assertEquals(0, inlineBytes(extents("/wal")), "close moved every fsync'd byte into its block");
  }

  @Test
  void movingFsyncedBytesNeverUndoesALaterWriteOfAnotherClient() throws Exception {
    byte[] a = new byte[256 << 10];
    Arrays.fill(a, (byte) 'a');
    byte[] b = new byte[8192];
    Arrays.fill(b, (byte) 'b');
    long at = 128 << 10; // inside what A fsync'd, past the small-file range
    try (HearthFile f = client.open("/race", HearthFile.O_WRONLY | HearthFile.O_CREAT, 0644)) {
      for (int off = 0; off < a.length; off += 16 << 10) {
        f.write(ByteBuffer.wrap(a, off, 16 << 10));
        f.fsync();
      }
      try (HearthClient other = HearthClient.connect(cluster.spec());
          HearthFile g = other.open("/race", HearthFile.O_WRONLY)) {
        g.pwrite(ByteBuffer.wrap(b), at);
      } // B's close: its bytes are committed after A's fsyncs
    } // A's close commits its block, which must not bring A's old bytes back over B's
    byte[] want = a.clone();
    System.arraycopy(b, 0, want, (int) at, b.length);
    assertArrayEquals(want, readAll("/race"));
  }
}
