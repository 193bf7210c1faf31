package io.hearth.server.cluster;

import static io.hearth.server.cluster.TestMaps.actives;
import static io.hearth.server.cluster.TestMaps.group;
import static io.hearth.server.cluster.TestMaps.map;
import static io.hearth.server.cluster.TestMaps.moving;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hearth.protocol.Groups;
import io.hearth.protocol.meta.ClusterMap;
import io.hearth.server.config.Peer;
import io.hearth.server.data.DataLayout;
import java.util.List;
import java.util.Set;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.junit.jupiter.api.Test;

/** Which data groups a server starts and stops hosting, on hand-made maps. */
class ReconcilePlanTest {
  private static final DataLayout NO_FALLBACK = new DataLayout(List.of());

  private static RaftGroupId gid(int n) {
    return RaftGroupId.valueOf(Groups.data(n));
  }

  private static List<String> ids(RaftGroup g) {
    return g.getPeers().stream().map(RaftPeer::getId).map(Object::toString).sorted().toList();
  }

  @Test
  void beforeTheFirstMapTheConfiguredGroupsAreHostedAndNothingIsDropped() {
    List<Peer> peers = Peer.parseList("n1@127.0.0.1:9001,n2@127.0.0.1:9002,n3@127.0.0.1:9003");
    ReconcilePlan p = ReconcilePlan.of(null, DataLayout.of(peers), "n2", Set.of(gid(5)), Set.of());
    assertEquals(List.of(gid(0)), p.add().stream().map(RaftGroup::getGroupId).toList());
    assertEquals(List.of("n1", "n2", "n3"), ids(p.add().get(0)));
    assertEquals(List.of(), p.remove());
  }

  @Test
  void aGroupTheMapGivesThisNodeIsHostedOnceWithItsMembersAsConfiguration() {
    ClusterMap m =
        map(
            actives("n1", "n2", "n3", "n4"),
            group(0, "n1", "n2", "n3"),
            group(1, "n2", "n3", "n4"));
    ReconcilePlan p = ReconcilePlan.of(m, NO_FALLBACK, "n2", Set.of(gid(0)), Set.of(gid(0)));
    assertEquals(List.of(gid(1)), p.add().stream().map(RaftGroup::getGroupId).toList());
    assertEquals(List.of("n2", "n3", "n4"), ids(p.add().get(0)));
    assertEquals(List.of(), p.remove());
  }

  @Test
  void aJoiningNodeHostsTheGroupWithoutItselfInTheConfiguration() {
    ClusterMap m =
        map(actives("n1", "n2", "n3", "n4"), moving(group(0, "n1", "n2", "n3"), "n3", "n4"));
    ReconcilePlan p = ReconcilePlan.of(m, NO_FALLBACK, "n4", Set.of(), Set.of());
    assertEquals(1, p.add().size());
    assertEquals(List.of("n1", "n2", "n3"), ids(p.add().get(0)));
  }

  @Test
  void aGroupIsDroppedOnlyWhenNeitherTheMapNorItsConfigurationCountsThisNode() {
    ClusterMap m =
        map(actives("n1", "n2", "n3", "n4"), group(0, "n1", "n2", "n4"), group(1, "n1", "n2"));
    Set<RaftGroupId> hosted = Set.of(gid(0), gid(1));
    assertEquals(
        List.of(),
        ReconcilePlan.of(m, NO_FALLBACK, "n3", hosted, Set.of(gid(0), gid(1))).remove(),
        "the map moved on, the configurations not yet");
    assertEquals(
        List.of(gid(1)), ReconcilePlan.of(m, NO_FALLBACK, "n3", hosted, Set.of(gid(0))).remove());
    assertEquals(
        List.of(gid(0), gid(1)), ReconcilePlan.of(m, NO_FALLBACK, "n3", hosted, Set.of()).remove());
  }

  @Test
  void aLeavingMemberKeepsItsGroupWhileTheMapStillNamesIt() {
    ClusterMap m =
        map(actives("n1", "n2", "n3", "n4"), moving(group(0, "n1", "n2", "n3"), "n3", "n4"));
    ReconcilePlan p = ReconcilePlan.of(m, NO_FALLBACK, "n3", Set.of(gid(0)), Set.of());
    assertEquals(List.of(), p.add());
    assertEquals(List.of(), p.remove());
  }
}
