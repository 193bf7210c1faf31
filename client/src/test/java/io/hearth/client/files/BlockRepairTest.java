package io.hearth.client.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import io.hearth.client.InProcessCluster;
import io.hearth.protocol.Groups;
import io.hearth.protocol.meta.Extent;
import io.hearth.protocol.meta.Loc;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.ReadMapReq;
import io.hearth.server.HearthServer;
import io.hearth.server.data.DataStateMachine;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.Test;

/**
 * Bytes flipped in one replica's block file: reads still return the right data (from another
 * replica), and the damaged replica replaces its copy with a verified one in the background.
 */
class BlockRepairTest {
  @Test
  void corruptReplicaIsReadAroundAndRepaired() throws Exception {
    long seed = System.nanoTime();
    System.out.println("BlockRepairTest seed=" + seed);
    byte[] data = new byte[3 << 20];
    new Random(seed).nextBytes(data);
    try (InProcessCluster c = new InProcessCluster(3);
        HearthClient h = HearthClient.connect(c.spec())) {
      try (HearthFile f = h.open("/r", HearthFile.O_WRONLY | HearthFile.O_CREAT, 0644)) {
        f.write(ByteBuffer.wrap(data));
      }
      long ino = h.stat("/r").ino();
      List<Extent> extents =
          HearthClient.join(
                  h.meta()
                      .read(
                          MetaRequest.newBuilder()
                              .setReadMap(
                                  ReadMapReq.newBuilder()
                                      .setLoc(Loc.newBuilder().setBase(ino))
                                      .setLen(data.length))
                              .build()))
              .getReadMap()
              .getExtentsList();
      assertEquals(1, extents.size());
      long id = extents.get(0).getBlock().getId();
      // The client reads replicas in layout order (all are local here): damage the first.
      Path bad = blockFile(c.servers().get(0), id);
      Path good = blockFile(c.servers().get(1), id);
      byte[] original = Files.readAllBytes(good);
      try (FileChannel ch = FileChannel.open(bad, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}), 1_000_000);
      }
      assertTrue(!java.util.Arrays.equals(original, Files.readAllBytes(bad)), "damaged");
      try (HearthClient fresh = HearthClient.connect(c.spec());
          HearthFile f = fresh.open("/r", HearthFile.O_RDONLY)) {
        byte[] got = new byte[data.length];
        assertEquals(data.length, f.pread(ByteBuffer.wrap(got), 0));
        assertArrayEquals(data, got, "read around the corrupt replica");
      }
      long deadline = System.currentTimeMillis() + 30_000;
      while (System.currentTimeMillis() < deadline) {
        if (Files.exists(bad) && java.util.Arrays.equals(original, Files.readAllBytes(bad))) {
          return;
        }
        Thread.sleep(100);
      }
      throw new AssertionError("the damaged replica was not repaired within 30 s");
    }
  }

  static Path blockFile(HearthServer s, long id) throws Exception {
    DataStateMachine sm =
        (DataStateMachine)
            s.raft().getDivision(RaftGroupId.valueOf(Groups.data(0))).getStateMachine();
    return sm.blockFile(id);
  }
}
