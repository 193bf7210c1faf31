package io.hearth.client.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.FileBytes;
import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import io.hearth.client.InProcessCluster;
import io.hearth.protocol.Groups;
import io.hearth.protocol.data.DataRequest;
import io.hearth.protocol.data.ReadBlock;
import io.hearth.protocol.meta.Extent;
import io.hearth.server.HearthServer;
import io.hearth.server.data.DataStateMachine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/**
 * Bytes flipped in one replica's block file: reads still return the right data (from another
 * replica), the damaged replica refuses to serve its copy, and replaces it with a verified one in
 * the background. Each replica is damaged in turn.
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
      List<Extent> extents = FileBytes.extents(h, ino, data.length);
      assertEquals(1, extents.size());
      long id = extents.get(0).getBlock().getId();
      // close() promises a majority, not all three: a slow replica may apply the block's commit
      // (which moves its file into place) after close returned. Wait for every replica's file.
      for (HearthServer s : c.servers()) {
        awaitFile(blockFile(s, id));
      }
      byte[] original = Files.readAllBytes(blockFile(c.servers().get(0), id));
      // Damage each replica in turn, so that whichever one the client asks first is damaged once.
      for (int k = 0; k < 3; k++) {
        HearthServer victim = c.servers().get(k);
        Path bad = blockFile(victim, id);
        try (FileChannel ch = FileChannel.open(bad, StandardOpenOption.WRITE)) {
          ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}), 1_000_000);
        }
        try (HearthClient fresh = HearthClient.connect(c.spec());
            HearthFile f = fresh.open("/r", HearthFile.O_RDONLY)) {
          byte[] got = new byte[data.length];
          assertEquals(data.length, f.pread(ByteBuffer.wrap(got), 0));
          assertArrayEquals(data, got, "read around the corrupt replica " + k);
        }
        byte[] direct = readFrom(c, victim, id, data.length);
        assertTrue(
            direct == null || Arrays.equals(data, direct),
            "replica " + k + " served its damaged copy");
        long deadline = System.currentTimeMillis() + 30_000;
        while (!(Files.exists(bad) && Arrays.equals(original, Files.readAllBytes(bad)))) {
          assertTrue(
              System.currentTimeMillis() < deadline, "replica " + k + " not repaired in 30 s");
          Thread.sleep(100);
        }
      }
    }
  }

  private static void awaitFile(Path p) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 30_000;
    while (!Files.exists(p)) {
      assertTrue(System.currentTimeMillis() < deadline, p + " did not appear in 30 s");
      Thread.sleep(50);
    }
  }

  /**
   * The block as {@code s} alone serves it, or null when it refuses (it found the damage). It may
   * also serve a good copy: the one it repaired since.
   */
  private static byte[] readFrom(InProcessCluster c, HearthServer s, long id, int len)
      throws Exception {
    var group = c.servers().get(0).layout().groups().get(0).raftGroup();
    DataRequest req =
        DataRequest.newBuilder().setRead(ReadBlock.newBuilder().setId(id).setLen(len)).build();
    try (RaftClient raw =
        RaftClient.newBuilder()
            .setRaftGroup(group)
            .setProperties(new RaftProperties())
            .setRetryPolicy(RetryPolicies.noRetry())
            .build()) {
      RaftClientReply r =
          raw.io()
              .sendStaleRead(
                  Message.valueOf(ByteString.copyFrom(req.toByteArray())),
                  0,
                  RaftPeerId.valueOf(s.config().self().id()));
      return r.isSuccess() ? r.getMessage().getContent().toByteArray() : null;
    } catch (IOException e) {
      assertTrue(
          e.getMessage().contains("EIO") || e.getMessage().contains("ENOENT"), e.getMessage());
      return null;
    }
  }

  static Path blockFile(HearthServer s, long id) throws Exception {
    DataStateMachine sm =
        (DataStateMachine)
            s.raft().getDivision(RaftGroupId.valueOf(Groups.data(0))).getStateMachine();
    return sm.blockFile(id);
  }
}
