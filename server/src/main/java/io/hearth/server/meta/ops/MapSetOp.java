package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.ClusterMap;
import io.hearth.protocol.meta.GroupInfo;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.NodeInfo;
import io.hearth.server.meta.store.KeySchema;
import java.util.HashSet;
import java.util.Set;

/**
 * map_set: replaces the cluster map if nobody changed it since the caller read it (compare and set
 * on the epoch: ESTALE otherwise). Root only. The new map must hang together (EINVAL): unique node
 * ids with addresses, group numbers below next_group, members among the nodes, at most one move per
 * group. Whether a change is wise (quorum, last replicas) is the admin's and the mover's business.
 */
final class MapSetOp implements MetaOp {
  /** Most nodes and groups a map may hold: bounds the entry and every loop over the map. */
  static final int NODES_MAX = 1024;

  static final int GROUPS_MAX = 4096;

  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    if (!ctx.isRoot()) {
      throw new HearthException(Errno.EPERM, "the cluster map is root's");
    }
    long expect = req.getMapSet().getExpectEpoch();
    ClusterMap current = MapGetOp.read(ctx.txn());
    long epoch = current == null ? 0 : current.getEpoch();
    if (epoch != expect) {
      throw new HearthException(
          Errno.ESTALE,
          "the cluster map is at epoch " + epoch + ", not " + expect + ": read again");
    }
    ClusterMap next = req.getMapSet().getMap();
    if (next.getEpoch() != expect + 1) {
      throw new HearthException(Errno.EINVAL, "a new map's epoch must be " + (expect + 1));
    }
    check(next);
    ctx.txn().put(KeySchema.CLUSTER_MAP, next.toByteArray());
    return MetaReply.newBuilder().setMap(next).build();
  }

  static void check(ClusterMap m) throws HearthException {
    if (m.getNodesCount() > NODES_MAX || m.getGroupsCount() > GROUPS_MAX) {
      throw new HearthException(Errno.E2BIG, "cluster map of " + m.getNodesCount() + " nodes");
    }
    Set<String> ids = new HashSet<>();
    for (NodeInfo n : m.getNodesList()) {
      if (n.getId().isEmpty() || n.getAddress().isEmpty() || !ids.add(n.getId())) {
        throw new HearthException(Errno.EINVAL, "node without id or address, or twice: " + n);
      }
    }
    Set<Integer> numbers = new HashSet<>();
    for (GroupInfo g : m.getGroupsList()) {
      if (g.getNumber() >= m.getNextGroup() || !numbers.add(g.getNumber())) {
        throw new HearthException(Errno.EINVAL, "group number " + g.getNumber() + " reused");
      }
      Set<String> members = new HashSet<>(g.getMembersList());
      if (members.size() != g.getMembersCount() || members.isEmpty()) {
        throw new HearthException(Errno.EINVAL, "group " + g.getNumber() + " members");
      }
      for (String id : g.getMembersList()) {
        if (!ids.contains(id)) {
          throw new HearthException(Errno.EINVAL, "group " + g.getNumber() + " names " + id);
        }
      }
      boolean joining = !g.getJoining().isEmpty();
      if (joining && (members.contains(g.getJoining()) || !ids.contains(g.getJoining()))) {
        throw new HearthException(Errno.EINVAL, "group " + g.getNumber() + " joining");
      }
      if (!g.getLeaving().isEmpty() && (!joining || !members.contains(g.getLeaving()))) {
        throw new HearthException(Errno.EINVAL, "group " + g.getNumber() + " leaving");
      }
    }
  }

  @Override
  public boolean readOnly() {
    return false;
  }
}
