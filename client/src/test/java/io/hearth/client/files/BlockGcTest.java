package io.hearth.client.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.FileBytes;
import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import io.hearth.client.InProcessCluster;
import io.hearth.protocol.data.DataStat;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * After overwrites, truncates, unlinks and a block nobody committed, the bytes each replica keeps
 * come back down to the live data. The bound: live bytes plus, per file, the unused rest of each
 * block a truncate or partial overwrite still references (at most one block per file here), plus
 * block headers. Nothing live is removed: every file reads back exactly.
 */
class BlockGcTest {
  private static final int MIB = 1 << 20;
  private static final int BLOCK = 4 * MIB;

  @Test
  void unreferencedBlocksAreDeletedFromEveryReplica() throws Exception {
    long seed = System.nanoTime();
    System.out.println("BlockGcTest seed=" + seed);
    Random rnd = new Random(seed);
    Map<String, String> cfg = Map.of("gc.grace.ms", "6000", "gc.interval.ms", "200");
    try (InProcessCluster c = new InProcessCluster(3, cfg);
        HearthClient h = HearthClient.connect(c.spec())) {
      Map<String, byte[]> live = new HashMap<>();
      for (int i = 0; i < 5; i++) {
        live.put("/g" + i, write(h, "/g" + i, rnd, 8 * MIB));
      }
      long before = maxBlockBytes(h);
      assertTrue(before >= 5L * 8 * MIB, "written: " + before);
      live.put("/g0", write(h, "/g0", rnd, 8 * MIB)); // overwrite: O_TRUNC then new blocks
      h.truncate("/g1", MIB); // keeps 1 MiB of its first block
      live.put("/g1", Arrays.copyOf(live.get("/g1"), MIB));
      h.unlink("/g2");
      live.remove("/g2");
      byte[] patch = new byte[BLOCK];
      rnd.nextBytes(patch);
      try (HearthFile f = h.open("/g3", HearthFile.O_WRONLY)) {
        f.pwrite(ByteBuffer.wrap(patch), 0); // replaces its first block whole
      }
      System.arraycopy(patch, 0, live.get("/g3"), 0, BLOCK);
      h.vfs().blocks().put(ByteBuffer.wrap(new byte[MIB])); // an orphan: never committed
      long liveBytes = live.values().stream().mapToLong(b -> b.length).sum();
      long bound = liveBytes + (BLOCK - MIB) + 64L * 1024;
      long deadline = System.currentTimeMillis() + 60_000;
      long now = maxBlockBytes(h);
      while (now > bound && System.currentTimeMillis() < deadline) {
        Thread.sleep(250);
        now = maxBlockBytes(h);
      }
      System.out.println(
          "BlockGcTest: live "
              + liveBytes
              + " B, on disk per replica "
              + now
              + " B (was "
              + before
              + " B before deletes; bound "
              + bound
              + " B)");
      assertTrue(now <= bound, "GC left " + now + " B per replica; bound " + bound);
      assertTrue(now >= liveBytes, "GC removed live data: " + now + " < " + liveBytes);
      try (HearthClient fresh = HearthClient.connect(c.spec())) {
        for (var e : live.entrySet()) {
          assertArrayEquals(e.getValue(), FileBytes.read(fresh, e.getKey()), e.getKey());
        }
      }
    }
  }

  private static byte[] write(HearthClient h, String path, Random rnd, int len) throws Exception {
    byte[] b = new byte[len];
    rnd.nextBytes(b);
    try (HearthFile f =
        h.open(path, HearthFile.O_WRONLY | HearthFile.O_CREAT | HearthFile.O_TRUNC, 0644)) {
      f.write(ByteBuffer.wrap(b));
    }
    return b;
  }

  /** The most block bytes any replica keeps (headers included). */
  private static long maxBlockBytes(HearthClient h) throws Exception {
    return h.vfs().blocks().nodeStats().values().stream()
        .mapToLong(DataStat::getBlockBytes)
        .max()
        .orElse(0);
  }
}
