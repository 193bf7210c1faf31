package io.hearth.protocol;

import io.hearth.protocol.meta.ClusterMap;
import io.hearth.protocol.meta.GroupInfo;
import io.hearth.protocol.meta.NodeInfo;
import java.util.List;
import java.util.Optional;

/**
 * Reading and editing cluster maps (meta.proto ClusterMap): pure functions that servers and admin
 * commands share. An edit returns a new map with the epoch moved on by one, ready for a map_set
 * that expects the old epoch.
 */
public final class Maps {
  private Maps() {}

  public static Optional<NodeInfo> node(ClusterMap m, String id) {
    return m.getNodesList().stream().filter(n -> n.getId().equals(id)).findFirst();
  }

  public static Optional<GroupInfo> group(ClusterMap m, int number) {
    return m.getGroupsList().stream().filter(g -> g.getNumber() == number).findFirst();
  }

  /** Whether a node holds (or is receiving) a replica of the group. */
  public static boolean holds(GroupInfo g, String id) {
    return g.getMembersList().contains(id) || g.getJoining().equals(id);
  }

  /** The groups a node holds or is receiving. */
  public static List<GroupInfo> groupsOf(ClusterMap m, String id) {
    return m.getGroupsList().stream().filter(g -> holds(g, id)).toList();
  }

  public static boolean isActive(ClusterMap m, String id) {
    return node(m, id).map(n -> n.getState() == NodeInfo.State.ACTIVE).orElse(false);
  }

  /** The map with one group replaced (same number). */
  public static ClusterMap withGroup(ClusterMap m, GroupInfo g) {
    ClusterMap.Builder b = m.toBuilder().setEpoch(m.getEpoch() + 1);
    for (int i = 0; i < b.getGroupsCount(); i++) {
      if (b.getGroups(i).getNumber() == g.getNumber()) {
        return b.setGroups(i, g).build();
      }
    }
    throw new IllegalArgumentException("no group " + g.getNumber() + " in the map");
  }

  /** The map with a new group of these members, numbered next_group. */
  public static ClusterMap withNewGroup(ClusterMap m, List<String> members) {
    return m.toBuilder()
        .setEpoch(m.getEpoch() + 1)
        .addGroups(GroupInfo.newBuilder().setNumber(m.getNextGroup()).addAllMembers(members))
        .setNextGroup(m.getNextGroup() + 1)
        .build();
  }

  /** The map with one node replaced or added (by id). */
  public static ClusterMap withNode(ClusterMap m, NodeInfo n) {
    ClusterMap.Builder b = m.toBuilder().setEpoch(m.getEpoch() + 1);
    for (int i = 0; i < b.getNodesCount(); i++) {
      if (b.getNodes(i).getId().equals(n.getId())) {
        return b.setNodes(i, n).build();
      }
    }
    return b.addNodes(n).build();
  }

  /** The map without a node (which no group may name any more). */
  public static ClusterMap withoutNode(ClusterMap m, String id) {
    ClusterMap.Builder b = m.toBuilder().setEpoch(m.getEpoch() + 1).clearNodes();
    m.getNodesList().stream().filter(n -> !n.getId().equals(id)).forEach(b::addNodes);
    return b.build();
  }
}
