package io.hearth.server.cluster;

import io.hearth.protocol.Maps;
import io.hearth.protocol.data.DataStat;
import io.hearth.protocol.meta.ClusterMap;
import io.hearth.protocol.meta.GroupInfo;
import io.hearth.protocol.meta.NodeInfo;
import io.hearth.server.data.DataLayout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The mover's decisions, as pure functions of what it learned ({@link MoveFacts}): which one {@link
 * MoveStep} to take next. The order of the checks is the order of priority: the first map; a new
 * group for a node that holds none; a removed node out of the map; the next step of each move under
 * way, in group order; a new move for a group that needs one, while fewer than {@link #MOVES_MAX}
 * are under way; a rebalance move, only when no move is under way. See {@link Mover} for what the
 * steps mean.
 */
final class MovePlan {
  static final int REPLICAS = DataLayout.REPLICAS;

  /** Moves under way at once: each copies a group's blocks to one node. */
  static final int MOVES_MAX = 4;

  /** How far apart the fullest and emptiest node may be before a rebalance stops, by default. */
  static final int REBALANCE_THRESHOLD_PCT = 10;

  private MovePlan() {}

  /**
   * The next step.
   *
   * @param catchUpTargets for each group with a move under way, the applied index its joining
   *     member must reach: what the other members had applied at the previous step ({@link
   *     #catchUpTargets} of the previous facts)
   */
  static MoveStep next(MoveFacts f, Map<Integer, Long> catchUpTargets) {
    ClusterMap m = f.map();
    if (m == null) {
      return f.initialPeers().isEmpty()
          ? MoveStep.NOTHING
          : new MoveStep.WriteFirstMap(ClusterMaps.initial(f.initialPeers()));
    }
    Optional<MoveStep> placement = formNewGroup(m).or(() -> dropRemovedNode(m));
    if (placement.isPresent()) {
      return placement.get();
    }
    int moving = 0;
    for (GroupInfo g : m.getGroupsList()) {
      if (!g.getJoining().isEmpty()) {
        moving++;
        Optional<MoveStep> s = advance(f, g, catchUpTargets.get(g.getNumber()));
        if (s.isPresent()) {
          return s.get();
        }
      }
    }
    for (GroupInfo g : m.getGroupsList()) {
      if (moving >= MOVES_MAX) {
        return MoveStep.NOTHING;
      }
      if (g.getJoining().isEmpty()) {
        Optional<MoveStep> s = startMove(m, g);
        if (s.isPresent()) {
          return s.get();
        }
      }
    }
    if (m.getRebalancing() && moving == 0) {
      return rebalance(m, f.survey());
    }
    return MoveStep.NOTHING;
  }

  /**
   * The catch-up targets to remember for the next step: for each group whose joining node is a
   * voter already, the highest index its other members have applied (none answered: unreachable). A
   * target taken one step before it is checked, not at the check, because the others move on with
   * the group's writes and a target that moves with them would never be met.
   */
  static Map<Integer, Long> catchUpTargets(MoveFacts f) {
    Map<Integer, Long> out = new HashMap<>();
    if (f.map() == null) {
      return out;
    }
    for (GroupInfo g : f.map().getGroupsList()) {
      Set<String> voters = f.voters().get(g.getNumber());
      if (!g.getJoining().isEmpty() && voters != null && voters.contains(g.getJoining())) {
        long othersApplied =
            g.getMembersList().stream()
                .map(id -> f.survey().of(g.getNumber(), id))
                .flatMap(Optional::stream)
                .mapToLong(DataStat::getAppliedIndex)
                .max()
                .orElse(Long.MAX_VALUE);
        out.put(g.getNumber(), othersApplied);
      }
    }
    return out;
  }

  /** A group that needs a new member and no active node to take it: the operator must add one. */
  record Stuck(int group, String leaving, int members) {
    String message() {
      return "data group "
          + group
          + " needs a new member ("
          + (leaving.isEmpty() ? "it has " + members : leaving + " is leaving")
          + ") but no active node can take it: add a node";
    }
  }

  /** The groups with no move under way that need one and have no node to take it. */
  static List<Stuck> stuck(ClusterMap m) {
    List<Stuck> out = new ArrayList<>();
    if (m == null) {
      return out;
    }
    for (GroupInfo g : m.getGroupsList()) {
      Optional<String> leaving = needsMove(m, g);
      if (g.getJoining().isEmpty()
          && leaving.isPresent()
          && target(m, g, leaving.get()).isEmpty()) {
        out.add(new Stuck(g.getNumber(), leaving.get(), g.getMembersCount()));
      }
    }
    return out;
  }

  // --- placement ---

  private static Comparator<NodeInfo> fewestGroups(ClusterMap m) {
    return Comparator.<NodeInfo>comparingInt(n -> Maps.groupsOf(m, n.getId()).size())
        .thenComparing(NodeInfo::getId);
  }

  /** An active node that holds no group gets one, with the active nodes holding fewest. */
  private static Optional<MoveStep> formNewGroup(ClusterMap m) {
    List<NodeInfo> active =
        m.getNodesList().stream().filter(n -> n.getState() == NodeInfo.State.ACTIVE).toList();
    if (active.size() < REPLICAS) {
      return Optional.empty();
    }
    for (NodeInfo n : active) {
      if (Maps.groupsOf(m, n.getId()).isEmpty()) {
        List<String> members = new ArrayList<>(List.of(n.getId()));
        active.stream()
            .filter(o -> !o.getId().equals(n.getId()))
            .sorted(fewestGroups(m))
            .limit(REPLICAS - 1)
            .forEach(o -> members.add(o.getId()));
        return Optional.of(new MoveStep.FormGroup(List.copyOf(members)));
      }
    }
    return Optional.empty();
  }

  private static Optional<MoveStep> dropRemovedNode(ClusterMap m) {
    return m.getNodesList().stream()
        .filter(n -> n.getState() == NodeInfo.State.REMOVED)
        .filter(n -> Maps.groupsOf(m, n.getId()).isEmpty())
        .findFirst()
        .map(n -> new MoveStep.DropNode(n.getId()));
  }

  /**
   * Whether a group needs a move: the member to replace (the first one not active), "" when it only
   * lacks members, or empty when it needs none.
   */
  private static Optional<String> needsMove(ClusterMap m, GroupInfo g) {
    String leaving =
        g.getMembersList().stream().filter(id -> !Maps.isActive(m, id)).findFirst().orElse("");
    return leaving.isEmpty() && g.getMembersCount() >= REPLICAS
        ? Optional.empty()
        : Optional.of(leaving);
  }

  /** A new move for a group that needs one, if a node can take it. */
  private static Optional<MoveStep> startMove(ClusterMap m, GroupInfo g) {
    return needsMove(m, g)
        .flatMap(
            leaving ->
                target(m, g, leaving)
                    .map(t -> new MoveStep.StartMove(g.getNumber(), leaving, t.getId())));
  }

  /**
   * Where a group's new replica goes: the node that replaces the leaving one (replace-node) if it
   * can take it, else the active node holding fewest groups.
   */
  private static Optional<NodeInfo> target(ClusterMap m, GroupInfo g, String leaving) {
    List<NodeInfo> candidates =
        m.getNodesList().stream()
            .filter(n -> n.getState() == NodeInfo.State.ACTIVE && !Maps.holds(g, n.getId()))
            .toList();
    Optional<String> preferred =
        Maps.node(m, leaving).map(NodeInfo::getReplacedBy).filter(r -> !r.isEmpty());
    if (preferred.isPresent()) {
      Optional<NodeInfo> p =
          candidates.stream().filter(n -> n.getId().equals(preferred.get())).findFirst();
      if (p.isPresent()) {
        return p;
      }
    }
    return candidates.stream().min(fewestGroups(m));
  }

  /**
   * The next step of a move under way, or empty while it waits (for the joining node to host the
   * group, or to catch up).
   */
  private static Optional<MoveStep> advance(MoveFacts f, GroupInfo g, Long catchUpTarget) {
    ClusterMap m = f.map();
    int number = g.getNumber();
    String joining = g.getJoining();
    String leaving = g.getLeaving();
    Set<String> voters = f.voters().get(number);
    if (voters == null) {
      return Optional.of(new MoveStep.VotersUnknown(number));
    }
    boolean joined = voters.contains(joining);
    boolean cancel =
        !Maps.isActive(m, joining)
            || (!g.getRebalance() && !leaving.isEmpty() && Maps.isActive(m, leaving));
    if (cancel) {
      return Optional.of(new MoveStep.Cancel(number, joining, joined));
    }
    if (!joined) {
      return f.joinerHosts().contains(number)
          ? Optional.of(new MoveStep.AddMember(number, joining))
          : Optional.empty(); // its reconciler has not added the group yet
    }
    return caughtUp(f.survey(), g, catchUpTarget)
        ? Optional.of(new MoveStep.Settle(number, leaving, joining))
        : Optional.empty();
  }

  /**
   * The joining member lacks no block and has applied at least what the other members had applied
   * at the previous step.
   */
  private static boolean caughtUp(Survey s, GroupInfo g, Long target) {
    Optional<DataStat> j = s.of(g.getNumber(), g.getJoining());
    return target != null
        && j.isPresent()
        && j.get().getMissingBlocks() == 0
        && j.get().getAppliedIndex() >= target;
  }

  // --- rebalance ---

  /**
   * One replica from the node with the most block bytes to the one with the fewest: the group whose
   * size is nearest half the gap (moving it narrows the gap most), of those smaller than the gap.
   * Done when the gap is within the threshold, or no group would narrow it.
   */
  private static MoveStep rebalance(ClusterMap m, Survey s) {
    Map<String, Long> used = new HashMap<>();
    for (NodeInfo n : m.getNodesList()) {
      if (n.getState() == NodeInfo.State.ACTIVE) {
        used.put(
            n.getId(),
            Maps.groupsOf(m, n.getId()).stream().mapToLong(g -> s.groupBytes(g.getNumber())).sum());
      }
    }
    if (used.size() < 2) {
      return new MoveStep.FinishRebalance();
    }
    String most = max(used, true);
    String least = max(used, false);
    long gap = used.get(most) - used.get(least);
    int pct =
        m.getRebalanceThresholdPct() == 0 ? REBALANCE_THRESHOLD_PCT : m.getRebalanceThresholdPct();
    if (gap <= used.get(most) * pct / 100) {
      return new MoveStep.FinishRebalance();
    }
    Optional<GroupInfo> pick =
        Maps.groupsOf(m, most).stream()
            .filter(g -> !Maps.holds(g, least) && g.getMembersList().contains(most))
            .filter(g -> s.groupBytes(g.getNumber()) > 0 && s.groupBytes(g.getNumber()) < gap)
            .min(Comparator.comparingLong(g -> Math.abs(s.groupBytes(g.getNumber()) - gap / 2)));
    return pick.<MoveStep>map(g -> new MoveStep.Rebalance(g.getNumber(), most, least))
        .orElseGet(MoveStep.FinishRebalance::new);
  }

  private static String max(Map<String, Long> used, boolean most) {
    Comparator<Map.Entry<String, Long>> c =
        Map.Entry.<String, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey());
    return (most ? used.entrySet().stream().max(c) : used.entrySet().stream().min(c))
        .orElseThrow()
        .getKey();
  }
}
