package io.hearth.server.cluster;

import static io.hearth.server.cluster.TestMaps.active;
import static io.hearth.server.cluster.TestMaps.actives;
import static io.hearth.server.cluster.TestMaps.group;
import static io.hearth.server.cluster.TestMaps.map;
import static io.hearth.server.cluster.TestMaps.moving;
import static io.hearth.server.cluster.TestMaps.node;
import static io.hearth.server.cluster.TestMaps.stat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.protocol.Maps;
import io.hearth.protocol.data.DataStat;
import io.hearth.protocol.meta.ClusterMap;
import io.hearth.protocol.meta.GroupInfo;
import io.hearth.protocol.meta.NodeInfo;
import io.hearth.server.config.Peer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The mover's decisions on hand-made maps and facts: no servers, no RPCs. */
class MovePlanTest {
  private static final NodeInfo.State DRAINING = NodeInfo.State.DRAINING;
  private static final NodeInfo.State REMOVED = NodeInfo.State.REMOVED;

  /** Facts for one step, built up by a test. */
  private static final class Facts {
    private final ClusterMap map;
    private List<Peer> initialPeers = List.of();
    private final Map<Integer, Map<String, DataStat>> stats = new HashMap<>();
    private final Map<Integer, Set<String>> voters = new HashMap<>();
    private final Set<Integer> joinerHosts = new HashSet<>();

    Facts(ClusterMap map) {
      this.map = map;
    }

    Facts peers(List<Peer> peers) {
      this.initialPeers = peers;
      return this;
    }

    Facts stat(int group, String node, DataStat s) {
      stats.computeIfAbsent(group, k -> new HashMap<>()).put(node, s);
      return this;
    }

    Facts voters(int group, String... ids) {
      voters.put(group, Set.of(ids));
      return this;
    }

    Facts hosts(int group) {
      joinerHosts.add(group);
      return this;
    }

    MoveFacts get() {
      return new MoveFacts(map, initialPeers, new Survey(stats), voters, joinerHosts);
    }

    MoveStep plan(Map<Integer, Long> targets) {
      return MovePlan.next(get(), targets);
    }

    MoveStep plan() {
      return plan(Map.of());
    }
  }

  private static Facts facts(ClusterMap m) {
    return new Facts(m);
  }

  // --- the map and new groups ---

  @Test
  void aNewClusterWritesTheMapOfItsPeersAndAJoinedServerWaits() {
    List<Peer> peers = Peer.parseList("n1@127.0.0.1:9001,n2@127.0.0.1:9002,n3@127.0.0.1:9003");
    assertEquals(
        new MoveStep.WriteFirstMap(ClusterMaps.initial(peers)), facts(null).peers(peers).plan());
    assertEquals(MoveStep.NOTHING, facts(null).plan());
  }

  @Test
  void aHealthyClusterNeedsNothing() {
    ClusterMap m = map(actives("n1", "n2", "n3"), group(0, "n1", "n2", "n3"));
    assertEquals(MoveStep.NOTHING, facts(m).plan());
    assertEquals(List.of(), MovePlan.stuck(m));
  }

  @Test
  void aNodeWithoutGroupsGetsANewOneWithTheNodesHoldingFewest() {
    ClusterMap m =
        map(
            actives("n1", "n2", "n3", "n4", "n5"),
            group(0, "n1", "n2", "n3"),
            group(1, "n1", "n2", "n4"));
    MoveStep s = facts(m).plan();
    assertEquals(new MoveStep.FormGroup(List.of("n5", "n3", "n4")), s);
    ClusterMap next = s.nextMap(m);
    assertEquals(TestMaps.EPOCH + 1, next.getEpoch());
    assertEquals(3, next.getNextGroup());
    assertEquals(List.of("n5", "n3", "n4"), Maps.group(next, 2).orElseThrow().getMembersList());
    assertNull(s.voters(m));
  }

  @Test
  void noNewGroupWithFewerActiveNodesThanReplicas() {
    ClusterMap m = map(List.of(active("n1"), active("n2"), node("n3", DRAINING)));
    assertEquals(MoveStep.NOTHING, facts(m).plan());
  }

  @Test
  void aRemovedNodeLeavesTheMapOnlyOnceNoGroupNamesIt() {
    List<NodeInfo> nodes = new ArrayList<>(actives("n1", "n2", "n3"));
    nodes.add(node("n4", REMOVED));
    ClusterMap gone = map(nodes, group(0, "n1", "n2", "n3"));
    MoveStep s = facts(gone).plan();
    assertEquals(new MoveStep.DropNode("n4"), s);
    assertTrue(Maps.node(s.nextMap(gone), "n4").isEmpty());

    nodes.add(active("n5"));
    ClusterMap holding = map(nodes, group(0, "n1", "n2", "n4"), group(1, "n1", "n3", "n5"));
    assertEquals(new MoveStep.StartMove(0, "n4", "n3"), facts(holding).plan());
  }

  // --- starting moves ---

  /** Five nodes, the first draining (or replaced); every active node holds a group. */
  private static ClusterMap fiveWith(NodeInfo first) {
    return map(
        List.of(first, active("n2"), active("n3"), active("n4"), active("n5")),
        group(0, "n1", "n2", "n3"),
        group(1, "n2", "n3", "n4"),
        group(2, "n3", "n4", "n5"));
  }

  @Test
  void aDrainingMemberIsReplacedByTheActiveNodeHoldingFewest() {
    ClusterMap m = fiveWith(node("n1", DRAINING));
    MoveStep s = facts(m).plan();
    assertEquals(new MoveStep.StartMove(0, "n1", "n5"), s);
    GroupInfo g = Maps.group(s.nextMap(m), 0).orElseThrow();
    assertEquals(List.of("n1", "n2", "n3"), g.getMembersList(), "members change only at the end");
    assertEquals("n5", g.getJoining());
    assertEquals("n1", g.getLeaving());
  }

  @Test
  void theReplacingNodeIsPreferredWhenItCanTakeTheReplica() {
    NodeInfo replaced = node("n1", DRAINING).toBuilder().setReplacedBy("n4").build();
    assertEquals(new MoveStep.StartMove(0, "n1", "n4"), facts(fiveWith(replaced)).plan());

    NodeInfo byMember = node("n1", DRAINING).toBuilder().setReplacedBy("n2").build();
    ClusterMap holds = fiveWith(byMember);
    assertEquals(
        new MoveStep.StartMove(0, "n1", "n5"),
        facts(holds).plan(),
        "a replacement that holds the group already is passed over");
  }

  @Test
  void aGroupShortOfMembersGetsOneAdded() {
    ClusterMap m =
        map(actives("n1", "n2", "n3", "n4"), group(0, "n1", "n2"), group(1, "n1", "n3", "n4"));
    assertEquals(new MoveStep.StartMove(0, "", "n3"), facts(m).plan());
  }

  @Test
  void aGroupNoNodeCanTakeIsReportedAndWaits() {
    ClusterMap m =
        map(List.of(active("n1"), active("n2"), node("n3", DRAINING)), group(0, "n1", "n2", "n3"));
    assertEquals(MoveStep.NOTHING, facts(m).plan());
    List<MovePlan.Stuck> stuck = MovePlan.stuck(m);
    assertEquals(List.of(new MovePlan.Stuck(0, "n3", 3)), stuck);
    assertTrue(stuck.get(0).message().contains("n3 is leaving"), stuck.get(0).message());
  }

  /**
   * Groups 0..3 adding n4..n7 to n1 and n2 ({@code moves} of them under way, each waiting for its
   * joining node to host the group; the others settled), and group 4 short of a member.
   */
  private static Facts movesUnderWay(int moves) {
    List<GroupInfo> groups = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      GroupInfo g = group(i, "n1", "n2");
      String joining = "n" + (4 + i);
      groups.add(i < moves ? moving(g, "", joining) : g.toBuilder().addMembers(joining).build());
    }
    groups.add(group(4, "n3", "n8"));
    Facts f =
        facts(
            map(
                actives("n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8"),
                groups.toArray(GroupInfo[]::new)));
    for (int i = 0; i < moves; i++) {
      f.voters(i, "n1", "n2");
    }
    return f;
  }

  @Test
  void noMoreThanMovesMaxMovesAtOnce() {
    assertEquals(4, MovePlan.MOVES_MAX);
    assertEquals(MoveStep.NOTHING, movesUnderWay(4).plan());
    assertEquals(new MoveStep.StartMove(4, "", "n4"), movesUnderWay(3).plan());
  }

  // --- a move under way ---

  private static final List<NodeInfo> FOUR =
      List.of(active("n1"), node("n2", DRAINING), active("n3"), active("n4"));

  private static ClusterMap decommission() {
    return map(FOUR, moving(group(0, "n1", "n2", "n3"), "n2", "n4"));
  }

  @Test
  void aMoveWhoseVotersNoMemberToldFailsTheStep() {
    assertEquals(new MoveStep.VotersUnknown(0), facts(decommission()).plan());
  }

  @Test
  void theJoiningNodeIsAddedToTheConfigurationOnceItHostsTheGroup() {
    ClusterMap m = decommission();
    assertEquals(MoveStep.NOTHING, facts(m).voters(0, "n1", "n2", "n3").plan());
    MoveStep s = facts(m).voters(0, "n1", "n2", "n3").hosts(0).plan();
    assertEquals(new MoveStep.AddMember(0, "n4"), s);
    assertEquals(new MoveStep.Voters(0, List.of("n1", "n2", "n3", "n4")), s.voters(m));
    assertNull(s.nextMap(m), "the map changes only when the move settles");
  }

  @Test
  void theMoveSettlesOnceTheJoiningMemberHasEveryBlockAndTheTarget() {
    ClusterMap m = decommission();
    Facts f =
        facts(m)
            .voters(0, "n1", "n2", "n3", "n4")
            .stat(0, "n1", stat(10, 0, 0))
            .stat(0, "n2", stat(12, 0, 0))
            .stat(0, "n3", stat(11, 0, 0));
    assertEquals(Map.of(0, 12L), MovePlan.catchUpTargets(f.get()));
    assertEquals(MoveStep.NOTHING, f.plan(), "no target from a previous step yet");
    Map<Integer, Long> target = Map.of(0, 12L);
    assertEquals(MoveStep.NOTHING, f.plan(target), "the joining member did not answer");
    assertEquals(MoveStep.NOTHING, f.stat(0, "n4", stat(11, 0, 0)).plan(target));
    assertEquals(MoveStep.NOTHING, f.stat(0, "n4", stat(12, 3, 0)).plan(target));

    MoveStep s = f.stat(0, "n4", stat(12, 0, 0)).plan(target);
    assertEquals(new MoveStep.Settle(0, "n2", "n4"), s);
    assertEquals(new MoveStep.Voters(0, List.of("n1", "n3", "n4")), s.voters(m));
    GroupInfo g = Maps.group(s.nextMap(m), 0).orElseThrow();
    assertEquals(List.of("n1", "n3", "n4"), g.getMembersList());
    assertEquals("", g.getJoining());
    assertEquals("", g.getLeaving());
  }

  @Test
  void aCatchUpTargetNeedsAnswersAndAJoinedMember() {
    ClusterMap m = decommission();
    assertEquals(
        Map.of(0, Long.MAX_VALUE),
        MovePlan.catchUpTargets(facts(m).voters(0, "n1", "n2", "n3", "n4").get()),
        "no member answered: a target nothing can reach");
    assertEquals(Map.of(), MovePlan.catchUpTargets(facts(m).voters(0, "n1", "n2", "n3").get()));
    assertEquals(Map.of(), MovePlan.catchUpTargets(facts(m).get()));
  }

  @Test
  void anAddedMemberSettlesWithoutAConfigurationChange() {
    ClusterMap m = map(actives("n1", "n2", "n3"), moving(group(0, "n1", "n2"), "", "n3"));
    MoveStep s =
        facts(m).voters(0, "n1", "n2", "n3").stat(0, "n3", stat(5, 0, 0)).plan(Map.of(0, 5L));
    assertEquals(new MoveStep.Settle(0, "", "n3"), s);
    assertNull(s.voters(m), "the configuration has it already");
    assertEquals(
        List.of("n1", "n2", "n3"), Maps.group(s.nextMap(m), 0).orElseThrow().getMembersList());
  }

  @Test
  void aMoveIsCancelledWhenItsJoiningNodeLeavesOrItsLeavingNodeIsBack() {
    ClusterMap joinerGone =
        map(
            List.of(active("n1"), node("n2", DRAINING), active("n3"), node("n4", DRAINING)),
            moving(group(0, "n1", "n2", "n3"), "n2", "n4"));
    MoveStep s = facts(joinerGone).voters(0, "n1", "n2", "n3", "n4").plan();
    assertEquals(new MoveStep.Cancel(0, "n4", true), s);
    assertEquals(new MoveStep.Voters(0, List.of("n1", "n2", "n3")), s.voters(joinerGone));
    GroupInfo g = Maps.group(s.nextMap(joinerGone), 0).orElseThrow();
    assertEquals(List.of("n1", "n2", "n3"), g.getMembersList());
    assertEquals("", g.getJoining());

    ClusterMap recommissioned =
        map(actives("n1", "n2", "n3", "n4"), moving(group(0, "n1", "n2", "n3"), "n2", "n4"));
    MoveStep c = facts(recommissioned).voters(0, "n1", "n2", "n3").plan();
    assertEquals(new MoveStep.Cancel(0, "n4", false), c);
    assertNull(c.voters(recommissioned), "nothing to undo in the configuration");
  }

  @Test
  void theFirstMoveThatActsEndsTheStep() {
    ClusterMap m =
        map(
            actives("n1", "n2", "n3", "n4", "n5"),
            moving(group(0, "n1", "n3"), "", "n4"),
            moving(group(1, "n1", "n2"), "", "n5"));
    MoveStep s =
        facts(m)
            .voters(0, "n1", "n3")
            .hosts(0)
            .voters(1, "n1", "n2", "n5")
            .stat(1, "n5", stat(1, 0, 0))
            .plan(Map.of(1, 1L));
    assertEquals(new MoveStep.AddMember(0, "n4"), s);
  }

  // --- rebalance ---

  /** n1 and n2 hold 160 bytes each, n3 110, n4 70, n5 10. */
  private static Facts uneven(int thresholdPct) {
    ClusterMap m =
        map(
                actives("n1", "n2", "n3", "n4", "n5"),
                group(0, "n1", "n2", "n3"),
                group(1, "n1", "n2", "n4"),
                group(2, "n3", "n4", "n5"))
            .toBuilder()
            .setRebalancing(true)
            .setRebalanceThresholdPct(thresholdPct)
            .build();
    return facts(m)
        .stat(0, "n1", stat(1, 0, 100))
        .stat(1, "n1", stat(1, 0, 60))
        .stat(2, "n5", stat(1, 0, 10));
  }

  @Test
  void aRebalanceMovesTheGroupNearestHalfTheGapFromFullestToEmptiest() {
    Facts f = uneven(0);
    MoveStep s = f.plan();
    // gap 150 between n2 (fullest, ties broken by id) and n5; group 1 (60) is nearest 75
    assertEquals(new MoveStep.Rebalance(1, "n2", "n5"), s);
    GroupInfo g = Maps.group(s.nextMap(f.map), 1).orElseThrow();
    assertEquals("n5", g.getJoining());
    assertEquals("n2", g.getLeaving());
    assertTrue(g.getRebalance());
  }

  @Test
  void aRebalanceEndsWithinTheThresholdOrWhenNoGroupNarrowsTheGap() {
    Facts within = uneven(95); // gap 150 <= 95% of 160
    MoveStep s = within.plan();
    assertEquals(new MoveStep.FinishRebalance(), s);
    ClusterMap next = s.nextMap(within.map);
    assertEquals(false, next.getRebalancing());
    assertEquals(TestMaps.EPOCH + 1, next.getEpoch());

    Facts empty = facts(uneven(0).map); // no stats: every node holds 0 bytes
    assertEquals(new MoveStep.FinishRebalance(), empty.plan());
  }

  @Test
  void aRebalanceWaitsForMovesUnderWayAndIsNotCancelledByItsActiveLeavingNode() {
    ClusterMap m =
        map(
                actives("n1", "n2", "n3", "n4", "n5"),
                group(0, "n1", "n2", "n3"),
                moving(group(1, "n1", "n2", "n4"), "n2", "n5").toBuilder()
                    .setRebalance(true)
                    .build(),
                group(2, "n3", "n4", "n5"))
            .toBuilder()
            .setRebalancing(true)
            .build();
    assertEquals(MoveStep.NOTHING, facts(m).voters(1, "n1", "n2", "n4").plan());
    assertEquals(
        new MoveStep.AddMember(1, "n5"), facts(m).voters(1, "n1", "n2", "n4").hosts(1).plan());
  }

  // --- a whole move ---

  /**
   * A removed node's replica moves away step by step, each step performed on a model of the map and
   * the group's configuration: the group never has fewer than three voters, and the node leaves the
   * map last.
   */
  @Test
  void aRemovedNodesReplicaMovesAddThenRemove() {
    List<NodeInfo> nodes = List.of(active("n1"), node("n2", REMOVED), active("n3"), active("n4"));
    ClusterMap m = map(nodes, group(0, "n1", "n2", "n3"), group(1, "n1", "n3", "n4"));
    Set<String> voters = new HashSet<>(Set.of("n1", "n2", "n3"));
    Map<Integer, Long> targets = Map.of();
    List<MoveStep> steps = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      GroupInfo g = Maps.group(m, 0).orElseThrow();
      Facts f = facts(m);
      if (!g.getJoining().isEmpty()) {
        f.voters(0, voters.toArray(String[]::new)).hosts(0);
      }
      for (String v : voters) {
        f.stat(0, v, stat(20, 0, 1000));
      }
      MoveStep s = f.plan(targets);
      targets = MovePlan.catchUpTargets(f.get());
      steps.add(s);
      MoveStep.Voters next = s.voters(m);
      if (next != null) {
        voters = new HashSet<>(next.ids());
      }
      assertTrue(voters.size() >= 3, "voters " + voters + " after " + s);
      if (s.nextMap(m) != null) {
        m = s.nextMap(m);
      }
    }
    assertEquals(
        List.of(
            new MoveStep.StartMove(0, "n2", "n4"),
            new MoveStep.AddMember(0, "n4"),
            MoveStep.NOTHING, // the catch-up target is taken
            new MoveStep.Settle(0, "n2", "n4"),
            new MoveStep.DropNode("n2"),
            MoveStep.NOTHING),
        steps.subList(0, 6));
    assertEquals(Set.of("n1", "n3", "n4"), voters);
    assertEquals(List.of("n1", "n3", "n4"), Maps.group(m, 0).orElseThrow().getMembersList());
    assertTrue(Maps.node(m, "n2").isEmpty());
  }
}
