package io.hearth.server.data;

import io.hearth.protocol.Groups;
import io.hearth.server.config.Peer;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;

/**
 * Which data groups exist and who their members are, computed from the configured peer list so that
 * every node and every client derives the same answer. Up to three nodes form one group of all of
 * them; with n > 3 nodes there are n groups, group i holding nodes i, i+1 and i+2 (mod n), so that
 * every node holds three groups and capacity grows with the node count.
 */
public record DataLayout(List<Group> groups) {
  public static final int REPLICAS = 3;

  /** Data group {@code number} and its members, in peer-list order. */
  public record Group(int number, List<Peer> peers) {
    public RaftGroup raftGroup() {
      return RaftGroup.valueOf(
          RaftGroupId.valueOf(Groups.data(number)), peers.stream().map(Group::raftPeer).toList());
    }

    public boolean hasMember(String id) {
      return peers.stream().anyMatch(p -> p.id().equals(id));
    }

    static RaftPeer raftPeer(Peer p) {
      return RaftPeer.newBuilder()
          .setId(p.id())
          .setAddress(p.address())
          .setDataStreamAddress(p.streamAddress())
          .build();
    }
  }

  public static DataLayout of(List<Peer> peers) {
    int n = peers.size();
    List<Group> groups = new ArrayList<>();
    if (n <= REPLICAS) {
      groups.add(new Group(0, List.copyOf(peers)));
    } else {
      for (int i = 0; i < n; i++) {
        List<Peer> members = new ArrayList<>();
        for (int k = 0; k < REPLICAS; k++) {
          members.add(peers.get((i + k) % n));
        }
        groups.add(new Group(i, List.copyOf(members)));
      }
    }
    return new DataLayout(List.copyOf(groups));
  }

  public List<Group> groupsOf(String nodeId) {
    return groups.stream().filter(g -> g.hasMember(nodeId)).toList();
  }

  /** Raft peer of a configured node, with both its addresses. */
  public static RaftPeer raftPeer(Peer p) {
    return Group.raftPeer(p);
  }

  /** The replication factor of this layout's groups. */
  public int replicas() {
    return groups.get(0).peers().size();
  }
}
