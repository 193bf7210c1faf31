package io.hearth.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.cli.admin.Membership;
import io.hearth.client.ClusterSpec;
import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import io.hearth.client.InProcessCluster;
import io.hearth.protocol.Groups;
import io.hearth.protocol.Maps;
import io.hearth.protocol.meta.NodeInfo;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.Test;

/**
 * Membership changes on real servers: nodes join (catching up on the namespace by snapshot), leave
 * by remove-node and decommission while files stay whole, and changes that would lose a quorum or
 * the last copy of blocks are refused.
 */
class MembershipTest {
  private static final RaftGroupId META = RaftGroupId.valueOf(Groups.META);

  @Test
  void nodesJoinAndLeaveWhileEveryFileStaysWhole() throws Exception {
    long seed = System.nanoTime();
    System.out.println("MembershipTest seed " + seed);
    Random random = new Random(seed);
    try (InProcessCluster c = new InProcessCluster(3, Map.of("snapshot.every.entries", "200"));
        HearthClient h = HearthClient.connect(c.spec())) {
      Map<String, byte[]> files = new LinkedHashMap<>();
      for (int i = 0; i < 10; i++) {
        byte[] b = new byte[random.nextInt(6 << 20) + 1];
        random.nextBytes(b);
        write(h, "/f" + i, b);
        files.put("/f" + i, b);
      }
      // Enough entries for snapshots; a leader change rolls the open log segment so that the
      // purge can drop it: a node that joins then needs the snapshot.
      for (int i = 0; i < 1_300; i++) {
        h.mkdir("/d" + i, 0755);
      }
      assertEquals(0, AdminCli.run(c.spec(), "transfer-leader").status());
      for (int i = 1_300; i < 1_700; i++) {
        h.mkdir("/d" + i, 0755);
      }
      for (String id : new String[] {"n4", "n5"}) {
        String address = c.join(id);
        var r = AdminCli.run(c.spec(), "add-node", id, address, "--timeout", "120");
        assertEquals(0, r.status(), r::toString);
      }
      long start = c.server("n4").raft().getDivision(META).getRaftLog().getStartIndex();
      assertTrue(start > 0, "n4's log starts at " + start + ": it replayed instead of a snapshot");

      var removed = AdminCli.run(c.spec(), "remove-node", "n1", "--timeout", "180");
      assertEquals(0, removed.status(), removed::toString);
      var drained = AdminCli.run(c.spec(), "decommission", "n2", "--timeout", "180");
      assertEquals(0, drained.status(), drained::toString);
      c.stop("n1");
      c.stop("n2");

      // The client connected to n1..n3 follows the members and reads every file whole.
      for (var e : files.entrySet()) {
        assertArrayEquals(e.getValue(), read(h, e.getKey()), e.getKey());
      }
      AdminCli.awaitFullyReplicated(c.spec(), "n1", "n2");
    }
  }

  @Test
  void refusesToLoseAMajorityOrTheLastCopy() throws Exception {
    try (InProcessCluster c = new InProcessCluster(3);
        HearthClient h = HearthClient.connect(c.spec())) {
      write(h, "/x", new byte[1 << 20]);
      for (String id : new String[] {"n4", "n5"}) {
        assertEquals(0, AdminCli.run(c.spec(), "add-node", id, c.join(id)).status());
      }
      // Group 0 (n1, n2, n3) holds /x; with n2 and n3 down, n1 has its only reachable copy.
      c.stop("n2");
      c.stop("n3");
      for (String cmd : new String[] {"decommission", "remove-node"}) {
        var r = AdminCli.run(c.spec(), cmd, "n1");
        assertEquals(1, r.status(), r::toString);
        assertTrue(r.err().contains("only complete copy of data group 0"), r::toString);
      }
      try (Membership m = new Membership(ClusterSpec.parse(c.spec()))) {
        assertEquals(NodeInfo.State.ACTIVE, Maps.node(m.map(), "n1").orElseThrow().getState());
      }
    }
    try (InProcessCluster c = new InProcessCluster(3)) {
      c.stop("n2");
      var r = AdminCli.run(c.spec(), "remove-node", "n1");
      assertEquals(1, r.status(), r::toString);
      assertTrue(r.err().contains("lose its majority"), r::toString);
      assertTrue(r.err().contains("--force"), r::toString);
    }
  }

  static void write(HearthClient h, String path, byte[] b) throws Exception {
    try (HearthFile f =
        h.open(path, HearthFile.O_WRONLY | HearthFile.O_CREAT | HearthFile.O_TRUNC, 0644)) {
      f.write(ByteBuffer.wrap(b));
      f.fsync();
    }
  }

  static byte[] read(HearthClient h, String path) throws Exception {
    try (HearthFile f = h.open(path, HearthFile.O_RDONLY)) {
      long size = h.stat(path).size();
      ByteBuffer buf = ByteBuffer.allocate((int) size);
      while (buf.hasRemaining() && f.read(buf) > 0) {}
      return buf.array();
    }
  }
}
