package io.hearth.server.cluster;

import com.google.protobuf.InvalidProtocolBufferException;
import io.hearth.protocol.Groups;
import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.meta.ClusterMap;
import io.hearth.protocol.meta.LayoutReply;
import io.hearth.protocol.meta.MapGetReq;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.server.data.DataLayout;
import io.hearth.server.data.LayoutView;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * What this server knows of the cluster: the cluster map as its own meta replica last applied it
 * (refreshed by the {@link Reconciler}), the layout from the configured peers while no map exists
 * yet, and how much room each node had when the mover last asked. Thread-safe; a view may lag the
 * committed map by one refresh, which is why every action taken on it is checked again against the
 * Raft configuration it changes.
 */
public final class ClusterView {
  private final RaftServer raft;
  private final DataLayout fallback;
  private final Map<String, Long> availableBytes = new ConcurrentHashMap<>();
  private volatile ClusterMap map;

  /**
   * @param fallback the data groups before the first map is written: those of the configured peers
   *     on the servers that formed the cluster, none on a server that joined
   */
  public ClusterView(RaftServer raft, DataLayout fallback) {
    this.raft = raft;
    this.fallback = fallback;
  }

  /** The map, or null before the meta group has one. */
  public ClusterMap map() {
    return map;
  }

  public DataLayout layout() {
    ClusterMap m = map;
    return m == null ? fallback : ClusterMaps.layout(m);
  }

  public DataLayout fallback() {
    return fallback;
  }

  void update(ClusterMap m) {
    if (m != null) {
      map = m;
    }
  }

  /** The mover's latest reading of a node's free space, for the layout clients place blocks by. */
  void reportAvailable(String node, long bytes) {
    availableBytes.put(node, bytes);
  }

  /**
   * The layout op's answer: the groups of {@code stored} (the map in the replica that answers; null
   * before the first) with their members' free space, and the meta group's current members.
   */
  public LayoutReply layoutReply(ClusterMap stored) {
    DataLayout l = stored == null ? fallback : ClusterMaps.layout(stored);
    LayoutReply.Builder b =
        LayoutView.toReply(l).toBuilder().setEpoch(stored == null ? 0 : stored.getEpoch());
    for (int i = 0; i < b.getGroupsCount(); i++) {
      long min = Long.MAX_VALUE;
      for (var p : b.getGroups(i).getPeersList()) {
        min = Math.min(min, availableBytes.getOrDefault(p.getId(), 0L));
      }
      b.setGroups(i, b.getGroups(i).toBuilder().setAvailableBytes(min == Long.MAX_VALUE ? 0 : min));
    }
    for (RaftPeer p : metaPeers()) {
      b.addMetaPeers(
          io.hearth.protocol.meta.DataPeer.newBuilder()
              .setId(p.getId().toString())
              .setAddress(p.getAddress()));
    }
    return b.build();
  }

  /** The meta group's members as this server's replica knows them (empty if it has none yet). */
  public List<RaftPeer> metaPeers() {
    try {
      return List.copyOf(raft.getDivision(RaftGroupId.valueOf(Groups.META)).getGroup().getPeers());
    } catch (IOException e) {
      return List.of();
    }
  }

  /** Reads the map this server's meta replica has applied (no log round); null if none. */
  static ClusterMap readLocal(RaftServer raft) throws IOException {
    StateMachine sm;
    try {
      sm = raft.getDivision(RaftGroupId.valueOf(Groups.META)).getStateMachine();
    } catch (IOException e) {
      return null; // a joining node before it hosts the meta group
    }
    MetaRequest req =
        MetaRequest.newBuilder()
            .setCaller(Caller.newBuilder().setUid(0))
            .setMapGet(MapGetReq.getDefaultInstance())
            .build();
    try {
      Message m =
          sm.query(Message.valueOf(ByteString.copyFrom(req.toByteArray())))
              .get(10, TimeUnit.SECONDS);
      MetaReply r = MetaReply.parseFrom(m.getContent().asReadOnlyByteBuffer());
      return r.hasMap() ? r.getMap() : null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    } catch (ExecutionException | TimeoutException | InvalidProtocolBufferException e) {
      throw new IOException("reading the local cluster map: " + e, e);
    }
  }
}
