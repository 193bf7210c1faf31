package io.hearth.server.cluster;

import io.hearth.protocol.Groups;
import io.hearth.protocol.Maps;
import io.hearth.protocol.meta.ClusterMap;
import io.hearth.protocol.meta.GroupInfo;
import io.hearth.server.data.DataLayout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * The reconciler's decision, a pure function of what it read: which data groups this server should
 * start hosting and which it should drop (see {@link Reconciler} for why).
 *
 * @param add groups to host, each with its current members as configuration, in group order
 * @param remove hosted groups to drop with their log and blocks, in group order
 */
record ReconcilePlan(List<RaftGroup> add, List<RaftGroupId> remove) {
  /**
   * @param map the map this server's meta replica applied; null before the first one
   * @param fallback the groups before the first map (the configured peers')
   * @param hosted the data groups this server hosts
   * @param voterIn the hosted groups whose own Raft configuration counts this server
   */
  static ReconcilePlan of(
      ClusterMap map,
      DataLayout fallback,
      String self,
      Set<RaftGroupId> hosted,
      Set<RaftGroupId> voterIn) {
    List<RaftGroup> wanted = wanted(map, fallback, self);
    List<RaftGroup> add = wanted.stream().filter(g -> !hosted.contains(g.getGroupId())).toList();
    List<RaftGroupId> remove = new ArrayList<>();
    if (map != null) { // before the first map nothing is ever dropped
      Set<RaftGroupId> wantedIds = Set.copyOf(wanted.stream().map(RaftGroup::getGroupId).toList());
      hosted.stream()
          .filter(gid -> !wantedIds.contains(gid) && !voterIn.contains(gid))
          .sorted(Comparator.comparingInt(gid -> Groups.dataNumber(gid.getUuid())))
          .forEach(remove::add);
    }
    return new ReconcilePlan(add, List.copyOf(remove));
  }

  /** The groups the map (or, before one, the fallback) gives this server, as member or joining. */
  static List<RaftGroup> wanted(ClusterMap map, DataLayout fallback, String self) {
    if (map == null) {
      return fallback.groupsOf(self).stream().map(DataLayout.Group::raftGroup).toList();
    }
    return Maps.groupsOf(map, self).stream()
        .sorted(Comparator.comparingInt(GroupInfo::getNumber))
        .map(g -> new DataLayout.Group(g.getNumber(), ClusterMaps.peers(map, g.getMembersList())))
        .map(DataLayout.Group::raftGroup)
        .toList();
  }
}
