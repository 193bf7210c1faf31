package io.hearth.server.cluster;

import io.hearth.protocol.data.DataStat;
import io.hearth.protocol.meta.ClusterMap;
import io.hearth.protocol.meta.GroupInfo;
import io.hearth.protocol.meta.NodeInfo;
import io.hearth.server.config.Peer;
import java.util.List;

/** Hand-made cluster maps for the planners' tests: node "nK" listens on port 9000 + K. */
final class TestMaps {
  static final long EPOCH = 7;

  private TestMaps() {}

  static NodeInfo active(String id) {
    return node(id, NodeInfo.State.ACTIVE);
  }

  static NodeInfo node(String id, NodeInfo.State state) {
    int k = Integer.parseInt(id.substring(1));
    return ClusterMaps.nodeOf(new Peer(id, "127.0.0.1", 9000 + k)).toBuilder()
        .setState(state)
        .build();
  }

  static GroupInfo group(int number, String... members) {
    return GroupInfo.newBuilder().setNumber(number).addAllMembers(List.of(members)).build();
  }

  /** A group with a move under way to {@code joining} from {@code leaving} ("" for none). */
  static GroupInfo moving(GroupInfo g, String leaving, String joining) {
    return g.toBuilder().setLeaving(leaving).setJoining(joining).build();
  }

  static ClusterMap map(List<NodeInfo> nodes, GroupInfo... groups) {
    int next = 0;
    for (GroupInfo g : groups) {
      next = Math.max(next, g.getNumber() + 1);
    }
    return ClusterMap.newBuilder()
        .setEpoch(EPOCH)
        .addAllNodes(nodes)
        .addAllGroups(List.of(groups))
        .setNextGroup(next)
        .build();
  }

  static List<NodeInfo> actives(String... ids) {
    return java.util.Arrays.stream(ids).map(TestMaps::active).toList();
  }

  static DataStat stat(long appliedIndex, int missingBlocks, long blockBytes) {
    return DataStat.newBuilder()
        .setAppliedIndex(appliedIndex)
        .setMissingBlocks(missingBlocks)
        .setBlockBytes(blockBytes)
        .build();
  }
}
