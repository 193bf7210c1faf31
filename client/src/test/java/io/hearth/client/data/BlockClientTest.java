package io.hearth.client.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hearth.client.InProcessCluster;
import io.hearth.protocol.meta.BlockRef;
import io.hearth.server.data.LayoutView;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BlockClientTest {
  @Test
  void putThenReadBack() throws Exception {
    long seed = System.nanoTime();
    System.out.println("BlockClientTest seed=" + seed);
    Random rnd = new Random(seed);
    try (InProcessCluster c = new InProcessCluster(3);
        BlockClient bc = new BlockClient(LayoutView.toReply(c.servers().get(0).layout()))) {
      byte[] big = new byte[4 << 20];
      rnd.nextBytes(big);
      long t0 = System.nanoTime();
      BlockRef ref = bc.put(ByteBuffer.wrap(big));
      System.out.println("put 4 MiB in " + (System.nanoTime() - t0) / 1000 + " us: " + ref);
      for (int i = 0; i < 5; i++) {
        t0 = System.nanoTime();
        bc.put(ByteBuffer.wrap(big));
        System.out.println("put 4 MiB in " + (System.nanoTime() - t0) / 1000 + " us");
      }
      ByteBuffer all = bc.read(ref, 0, big.length);
      assertEquals(big.length, all.remaining());
      byte[] got = new byte[big.length];
      all.get(got);
      assertArrayEquals(big, got);
      ByteBuffer part = bc.read(ref, 70_000, 100_000);
      byte[] p = new byte[100_000];
      part.get(p);
      assertArrayEquals(Arrays.copyOfRange(big, 70_000, 170_000), p);
      BlockRef small = bc.put(ByteBuffer.wrap(new byte[] {42}));
      assertEquals(42, bc.read(small, 0, 1).get());
    }
  }
}
