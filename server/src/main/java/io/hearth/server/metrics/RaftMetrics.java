package io.hearth.server.metrics;

import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;

/** The hearth_raft_* families: each Raft group's state on this node, one series per group. */
final class RaftMetrics {
  private static final List<RaftPeerRole> ROLES =
      List.of(
          RaftPeerRole.LEADER,
          RaftPeerRole.FOLLOWER,
          RaftPeerRole.CANDIDATE,
          RaftPeerRole.LISTENER);

  private RaftMetrics() {}

  static void write(PromText w, List<GroupState> groups) {
    w.family(
        "hearth_raft_role",
        PromText.Type.GAUGE,
        "1 for this member's current Raft role in the group, 0 for the others");
    for (GroupState g : groups) {
      for (RaftPeerRole r : ROLES) {
        w.sample(
            "hearth_raft_role",
            g.role() == r ? 1 : 0,
            "group",
            g.name(),
            "role",
            r.name().toLowerCase(Locale.ROOT));
      }
    }
    perGroup(
        w,
        groups,
        "hearth_raft_leader",
        PromText.Type.GAUGE,
        "1 if this node leads the group",
        g -> g.isLeader() ? 1 : 0);
    perGroup(
        w,
        groups,
        "hearth_raft_leader_known",
        PromText.Type.GAUGE,
        "1 if this member knows a leader of the group (0 during an election or without a majority)",
        g -> g.leader() != null ? 1 : 0);
    perGroup(
        w,
        groups,
        "hearth_raft_term",
        PromText.Type.GAUGE,
        "current Raft term; grows at every election",
        GroupState::term);
    perGroup(
        w,
        groups,
        "hearth_raft_commit_index",
        PromText.Type.GAUGE,
        "highest log index this member knows to be committed on a majority",
        GroupState::commitIndex);
    perGroup(
        w,
        groups,
        "hearth_raft_applied_index",
        PromText.Type.GAUGE,
        "highest log index this member's state machine has applied",
        GroupState::appliedIndex);
    perGroup(
        w,
        groups,
        "hearth_raft_elections_total",
        PromText.Type.COUNTER,
        "leader changes this member has seen since the process started (the first election too)",
        GroupState::leaderChanges);
  }

  /** A family with one sample per group, labelled by group only. */
  static void perGroup(
      PromText w,
      List<GroupState> groups,
      String name,
      PromText.Type type,
      String help,
      ToLongFunction<GroupState> value) {
    w.family(name, type, help);
    for (GroupState g : groups) {
      w.sample(name, value.applyAsLong(g), "group", g.name());
    }
  }
}
