package io.hearth.server.cluster;

import io.hearth.protocol.Maps;
import io.hearth.protocol.meta.ClusterMap;
import io.hearth.protocol.meta.GroupInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * One action of the mover, as {@link MovePlan} decides it: what to change in a data group's Raft
 * configuration ({@link #voters}), then in the cluster map ({@link #nextMap}). Both are pure
 * functions of the map the step was planned on; the mover performs them in that order, so that the
 * map never names members the configuration has not got yet (see {@link Mover}).
 */
sealed interface MoveStep {
  MoveStep NOTHING = new Nothing();

  /** Voters to give a data group: its members' ids after the change. */
  record Voters(int group, List<String> ids) {}

  /** The configuration change to make first, or null for none. */
  default Voters voters(ClusterMap m) {
    return null;
  }

  /** The map to write (compare-and-set on {@code m}'s epoch, 0 without a map), or null for none. */
  default ClusterMap nextMap(ClusterMap m) {
    return null;
  }

  /** The log line that says what the step does, or null for none. */
  default String describe(ClusterMap m) {
    return null;
  }

  /** Every group is as it should be, or waits for something that is not there yet. */
  record Nothing() implements MoveStep {}

  /** A new cluster: the map of the configured peers. */
  record WriteFirstMap(ClusterMap map) implements MoveStep {
    @Override
    public ClusterMap nextMap(ClusterMap m) {
      return map;
    }

    @Override
    public String describe(ClusterMap m) {
      return "writing the first cluster map: " + map.getNodesCount() + " nodes";
    }
  }

  /** A new group for an active node that holds none. */
  record FormGroup(List<String> members) implements MoveStep {
    @Override
    public ClusterMap nextMap(ClusterMap m) {
      return Maps.withNewGroup(m, members);
    }

    @Override
    public String describe(ClusterMap m) {
      return "forming data group " + m.getNextGroup() + " on " + members;
    }
  }

  /** A removed node that no group names any more leaves the map. */
  record DropNode(String node) implements MoveStep {
    @Override
    public ClusterMap nextMap(ClusterMap m) {
      return Maps.withoutNode(m, node);
    }

    @Override
    public String describe(ClusterMap m) {
      return "node " + node + " holds no replica any more: out of the map";
    }
  }

  /** Move step 1: the map names the joining node ({@code leaving} is "" when only adding one). */
  record StartMove(int group, String leaving, String joining) implements MoveStep {
    @Override
    public ClusterMap nextMap(ClusterMap m) {
      return Maps.withGroup(
          m, groupIn(m, group).toBuilder().setJoining(joining).setLeaving(leaving).build());
    }

    @Override
    public String describe(ClusterMap m) {
      return "data group " + group + ": moving a replica from " + leaving + " to " + joining;
    }
  }

  /** Move step 2: the joining node hosts the group; its configuration adds it. */
  record AddMember(int group, String joining) implements MoveStep {
    @Override
    public Voters voters(ClusterMap m) {
      List<String> grown = new ArrayList<>(groupIn(m, group).getMembersList());
      grown.add(joining);
      return new Voters(group, List.copyOf(grown));
    }

    @Override
    public String describe(ClusterMap m) {
      return "data group " + group + ": adding " + joining + " to its configuration";
    }
  }

  /**
   * Move steps 4 and 5: the joining member has every block; the configuration drops the leaving one
   * (if any) and the map records the new members.
   */
  record Settle(int group, String leaving, String joining) implements MoveStep {
    @Override
    public Voters voters(ClusterMap m) {
      return leaving.isEmpty() ? null : new Voters(group, members(m));
    }

    @Override
    public ClusterMap nextMap(ClusterMap m) {
      return Maps.withGroup(m, settled(groupIn(m, group), members(m)));
    }

    private List<String> members(ClusterMap m) {
      List<String> next = new ArrayList<>(groupIn(m, group).getMembersList());
      next.remove(leaving);
      next.add(joining);
      return List.copyOf(next);
    }

    @Override
    public String describe(ClusterMap m) {
      return leaving.isEmpty()
          ? "data group " + group + ": " + joining + " has every block; now a member"
          : "data group " + group + ": " + joining + " has every block; removing " + leaving;
    }
  }

  /**
   * The joining node is no longer active, or the leaving one is again (recommission, not a
   * rebalance): the configuration goes back to the members (if it had added the joining node) and
   * the map forgets the move.
   */
  record Cancel(int group, String joining, boolean joined) implements MoveStep {
    @Override
    public Voters voters(ClusterMap m) {
      return joined ? new Voters(group, groupIn(m, group).getMembersList()) : null;
    }

    @Override
    public ClusterMap nextMap(ClusterMap m) {
      GroupInfo g = groupIn(m, group);
      return Maps.withGroup(m, settled(g, g.getMembersList()));
    }

    @Override
    public String describe(ClusterMap m) {
      return "data group " + group + ": move to " + joining + " cancelled";
    }
  }

  /** A rebalance move: one replica from the fullest node to the emptiest. */
  record Rebalance(int group, String from, String to) implements MoveStep {
    @Override
    public ClusterMap nextMap(ClusterMap m) {
      return Maps.withGroup(
          m,
          groupIn(m, group).toBuilder().setJoining(to).setLeaving(from).setRebalance(true).build());
    }

    @Override
    public String describe(ClusterMap m) {
      return "rebalance: data group " + group + " from " + from + " to " + to;
    }
  }

  /** Usage is even (or cannot be evened further): the map stops asking for a rebalance. */
  record FinishRebalance() implements MoveStep {
    @Override
    public ClusterMap nextMap(ClusterMap m) {
      return m.toBuilder().setEpoch(m.getEpoch() + 1).setRebalancing(false).build();
    }

    @Override
    public String describe(ClusterMap m) {
      return "rebalance done";
    }
  }

  /**
   * A move under way whose group's voters no member told: performing it fails the step (the loop
   * backs off), and the groups after it wait for the next step.
   */
  record VotersUnknown(int group) implements MoveStep {}

  private static GroupInfo groupIn(ClusterMap m, int number) {
    return Maps.group(m, number)
        .orElseThrow(() -> new IllegalArgumentException("no data group " + number));
  }

  /** The group with these members and no move under way. */
  private static GroupInfo settled(GroupInfo g, List<String> members) {
    return g.toBuilder()
        .clearMembers()
        .addAllMembers(members)
        .clearJoining()
        .clearLeaving()
        .clearRebalance()
        .build();
  }
}
