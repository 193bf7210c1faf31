package io.hearth.server.data;

import io.hearth.protocol.HearthException;
import io.hearth.protocol.data.DataRequest;
import io.hearth.protocol.data.RawBlock;
import io.hearth.protocol.data.ReadBlock;
import io.hearth.rpc.RaftClients;
import io.hearth.rpc.ReplyCodec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;

/**
 * Where a repairer of one group fetches blocks: the other members of the group's current
 * configuration, through one Ratis client shared by all copies in flight. The client is rebuilt
 * when the configuration's members (ids or addresses) change, e.g. a replica moved by a
 * decommission; a copy still running on the old client may then fail, and its block is retried.
 * Each copy gets the members in a different order (a rotation), so that copies in flight read from
 * different sources and spread the load.
 *
 * <p>Threads: any; the client is swapped under this object's lock.
 */
final class RepairSources implements AutoCloseable {
  private static final long PEER_TIMEOUT_MS = 10_000;

  /** The members to ask for one copy, in the order to ask them, and the client to ask through. */
  record Sources(RaftClient client, List<RaftPeerId> peers) {}

  private final RaftServer server;
  private final RaftGroupId groupId;
  private final AtomicInteger rotation = new AtomicInteger();
  private RaftClient client;
  private String members = "";
  private List<RaftPeerId> others = List.of();
  private boolean closed;

  RepairSources(RaftServer server, RaftGroupId groupId) {
    this.server = server;
    this.groupId = groupId;
  }

  /** The other members, starting at the next one in rotation. */
  Sources next() throws IOException {
    RaftGroup group = server.getDivision(groupId).getGroup();
    RaftClient c;
    List<RaftPeerId> peers;
    synchronized (this) {
      if (closed) {
        throw new IOException("repair sources of " + groupId + " closed");
      }
      String now = membersOf(group);
      if (!now.equals(members)) {
        if (client != null) {
          RaftClients.closeQuietly(client);
        }
        client = RaftClients.of(group, RaftClients.askOnce(PEER_TIMEOUT_MS));
        members = now;
        others =
            group.getPeers().stream()
                .map(RaftPeer::getId)
                .filter(id -> !id.equals(server.getId()))
                .toList();
      }
      c = client;
      peers = others;
    }
    int n = peers.size();
    List<RaftPeerId> order = new ArrayList<>(n);
    int first = n == 0 ? 0 : Math.floorMod(rotation.getAndIncrement(), n);
    for (int i = 0; i < n; i++) {
      order.add(peers.get((first + i) % n));
    }
    return new Sources(c, order);
  }

  private static String membersOf(RaftGroup group) {
    return group.getPeers().stream()
        .map(p -> p.getId() + "@" + p.getAddress())
        .sorted()
        .toList()
        .toString();
  }

  /**
   * The block as {@code peer} holds it, verified there against its CRCs; null when the peer lacks
   * it or found its own copy damaged (it then repairs that copy itself).
   *
   * @throws IOException when the peer does not answer
   */
  static RawBlock fetch(RaftClient client, RaftPeerId peer, long id) throws IOException {
    DataRequest req =
        DataRequest.newBuilder().setRead(ReadBlock.newBuilder().setId(id).setRaw(true)).build();
    RaftClientReply r = client.io().sendStaleRead(ReplyCodec.message(req), 0, peer);
    try {
      return ReplyCodec.data(r).getRaw();
    } catch (HearthException e) {
      return null; // it lacks the block or found its copy bad
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (client != null) {
      RaftClients.closeQuietly(client);
      client = null;
    }
  }
}
