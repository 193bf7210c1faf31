package io.hearth.server.cluster;

import io.hearth.protocol.Maps;
import io.hearth.protocol.meta.ClusterMap;
import io.hearth.protocol.meta.GroupInfo;
import io.hearth.protocol.meta.NodeInfo;
import io.hearth.server.config.Peer;
import io.hearth.server.data.DataLayout;
import java.util.ArrayList;
import java.util.List;

/** Reading and building cluster maps (protocol ClusterMap): pure functions, no I/O. */
public final class ClusterMaps {
  private ClusterMaps() {}

  /**
   * The first map of a cluster formed from a peer list: every peer active, the data groups {@link
   * DataLayout#of} derives. Every server of a new cluster is configured with the same peers, so
   * whichever leads the meta group first writes the same map.
   */
  public static ClusterMap initial(List<Peer> peers) {
    ClusterMap.Builder b = ClusterMap.newBuilder().setEpoch(1);
    for (Peer p : peers) {
      b.addNodes(nodeOf(p));
    }
    DataLayout layout = DataLayout.of(peers);
    for (DataLayout.Group g : layout.groups()) {
      b.addGroups(
          GroupInfo.newBuilder()
              .setNumber(g.number())
              .addAllMembers(g.peers().stream().map(Peer::id).toList()));
    }
    return b.setNextGroup(layout.groups().size()).build();
  }

  public static Peer peer(NodeInfo n) {
    Peer a = Peer.parse(n.getId() + "@" + n.getAddress());
    int streamPort = a.streamPort();
    String s = n.getStreamAddress();
    if (!s.isEmpty()) {
      streamPort = Integer.parseInt(s.substring(s.lastIndexOf(':') + 1));
    }
    return new Peer(n.getId(), a.host(), a.port(), streamPort);
  }

  public static NodeInfo nodeOf(Peer p) {
    return NodeInfo.newBuilder()
        .setId(p.id())
        .setAddress(p.address())
        .setStreamAddress(p.streamAddress())
        .build();
  }

  /** The data groups with their voting members, as clients and GC use them. */
  public static DataLayout layout(ClusterMap m) {
    List<DataLayout.Group> groups = new ArrayList<>();
    for (GroupInfo g : m.getGroupsList()) {
      groups.add(new DataLayout.Group(g.getNumber(), peers(m, g.getMembersList())));
    }
    return new DataLayout(List.copyOf(groups));
  }

  public static List<Peer> peers(ClusterMap m, List<String> ids) {
    List<Peer> out = new ArrayList<>();
    for (String id : ids) {
      Maps.node(m, id).map(ClusterMaps::peer).ifPresent(out::add);
    }
    return out;
  }
}
