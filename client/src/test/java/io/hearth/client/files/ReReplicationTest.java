package io.hearth.client.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.FileBytes;
import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import io.hearth.client.InProcessCluster;
import io.hearth.protocol.Limits;
import io.hearth.protocol.data.DataStat;
import io.hearth.server.HearthServer;
import io.hearth.server.config.ServerConfig;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A replica whose block directory is gone (a replaced disk, a new member) gets every block back
 * from the others: stopped cleanly (so its group's snapshot says which blocks it held and nothing
 * will be replayed), its blocks directory deleted, started again. Afterwards it holds every block,
 * byte for byte as the others do, and reports none missing. With the repair throttle set, the same
 * repair takes at least the time the rate allows.
 */
class ReReplicationTest {
  private static final int MIB = 1 << 20;
  private static final int VICTIM = 2; // n3
  private static final long REPAIR_WAIT_MS = 120_000;

  @Test
  @Timeout(240)
  void wipedReplicaGetsEveryBlockBackByteExact() throws Exception {
    long seed = System.nanoTime();
    System.out.println("ReReplicationTest seed=" + seed);
    Random rnd = new Random(seed);
    try (InProcessCluster c = new InProcessCluster(3);
        HearthClient h = HearthClient.connect(c.spec())) {
      Map<String, byte[]> written = new LinkedHashMap<>();
      for (int i = 0; i < 12; i++) {
        // one to several blocks each, most with a partial last block
        int len = Limits.INLINE_FILE_MAX_BYTES + 1 + rnd.nextInt(9 * MIB);
        written.put("/f" + i, write(h, "/f" + i, len, rnd));
      }
      long t0 = System.nanoTime();
      DataStat after = wipeAndRepair(c, h, s -> {});
      System.out.printf(
          "ReReplicationTest: %d blocks (%d bytes) repaired in %.1f s%n",
          after.getRepairedBlocks(), after.getRepairedBytes(), (System.nanoTime() - t0) / 1e9);
      assertEquals(after.getBlocks(), after.getRepairedBlocks(), "every block came by repair");
      assertSameBlockFiles(blocksDir(c.servers().get(0)), blocksDir(c.servers().get(VICTIM)));
      for (var e : written.entrySet()) {
        assertArrayEquals(e.getValue(), FileBytes.read(h, e.getKey()), e.getKey());
      }
    }
  }

  @Test
  @Timeout(240)
  void throttledRepairTakesAtLeastWhatTheRateAllows() throws Exception {
    long seed = System.nanoTime();
    System.out.println("ReReplicationTest seed=" + seed);
    long rate = 4L * MIB;
    try (InProcessCluster c = new InProcessCluster(3);
        HearthClient h = HearthClient.connect(c.spec())) {
      write(h, "/big", 40 * MIB, new Random(seed)); // ten full blocks
      long t0 = System.nanoTime();
      DataStat after = wipeAndRepair(c, h, s -> s.repairThrottle().setRateBytesPerSec(rate));
      long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
      long bytes = after.getRepairedBytes();
      System.out.printf(
          "ReReplicationTest: %d bytes repaired at %d bytes/s in %d ms%n", bytes, rate, elapsedMs);
      assertTrue(bytes >= 40L * MIB, "repaired only " + bytes + " bytes");
      // The bucket lets through one second of the rate at once, and one block beyond what it holds.
      long minMs = (bytes - rate - Limits.BLOCK_MAX_BYTES) * 1000 / rate;
      assertTrue(elapsedMs >= minMs, bytes + " bytes in " + elapsedMs + " ms at " + rate + " B/s");
    }
  }

  private static byte[] write(HearthClient h, String path, int len, Random rnd) throws Exception {
    byte[] b = new byte[len];
    rnd.nextBytes(b);
    try (HearthFile f = h.open(path, HearthFile.O_WRONLY | HearthFile.O_CREAT, 0644)) {
      for (int off = 0; off < len; off += MIB) {
        f.write(ByteBuffer.wrap(b, off, Math.min(MIB, len - off)));
      }
    }
    return b;
  }

  /**
   * Stops the victim, deletes its blocks directory, starts it again (set up by {@code beforeStart})
   * and waits until it holds as many blocks as the others with none missing; returns its stat.
   */
  private static DataStat wipeAndRepair(
      InProcessCluster c, HearthClient h, Consumer<HearthServer> beforeStart) throws Exception {
    Path blocks = blocksDir(c.servers().get(VICTIM));
    c.stop(VICTIM);
    deleteTree(blocks);
    c.restart(VICTIM, beforeStart);
    String victim = "n" + (VICTIM + 1);
    long deadline = System.currentTimeMillis() + REPAIR_WAIT_MS;
    Map<String, DataStat> stats = Map.of();
    while (System.currentTimeMillis() < deadline) {
      stats = h.vfs().blocks().nodeStats();
      DataStat v = stats.get(victim);
      DataStat ref = stats.get("n1");
      if (v != null
          && ref != null
          && v.getMissingBlocks() == 0
          && v.getBlocks() == ref.getBlocks()
          && ref.getBlocks() > 0) {
        return v;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(victim + " not repaired in " + REPAIR_WAIT_MS + " ms: " + stats);
  }

  private static Path blocksDir(HearthServer s) {
    return s.config().get(ServerConfig.DATA_DIR).resolve("blocks");
  }

  /** Every block file under {@code want}'s blk/ directories is under {@code got}, equal. */
  private static void assertSameBlockFiles(Path want, Path got) throws Exception {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.walk(want)) {
      s.filter(Files::isRegularFile)
          .filter(p -> want.relativize(p).toString().contains("/blk/"))
          .forEach(files::add);
    }
    assertTrue(!files.isEmpty(), "no block files under " + want);
    for (Path f : files) {
      Path twin = got.resolve(want.relativize(f));
      assertTrue(Files.exists(twin), twin + " missing");
      assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(twin), twin.toString());
    }
  }

  private static void deleteTree(Path root) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
