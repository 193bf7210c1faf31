package io.hearth.server.cluster;

import io.hearth.protocol.HearthException;
import io.hearth.protocol.data.DataRequest;
import io.hearth.protocol.data.DataStat;
import io.hearth.protocol.data.DataStatReq;
import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.rpc.RaftClients;
import io.hearth.rpc.ReplyCodec;
import java.io.IOException;
import java.util.List;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;

/**
 * The calls the mover makes to Raft groups, each through a short-lived client with a deadline and a
 * few retries: membership changes are rare, so clients are not cached (a cached one would also keep
 * a stale member list).
 */
final class GroupCalls {
  static final long RPC_TIMEOUT_MS = 5_000;

  /** A configuration change waits for the new member to catch up on the log first. */
  static final long CONF_TIMEOUT_MS = 60_000;

  private GroupCalls() {}

  static RaftClient client(RaftGroup group, long timeoutMs) {
    return RaftClients.of(group, RaftClients.SERVICE.withTimeoutMs(timeoutMs));
  }

  /**
   * A meta request as root; the reply, whatever its errno (the caller decides what ENOENT or ESTALE
   * means), or IOException when the group did not answer.
   */
  static MetaReply meta(RaftGroup metaGroup, MetaRequest req, boolean read) throws IOException {
    MetaRequest root = req.toBuilder().setCaller(Caller.newBuilder().setUid(0)).build();
    Message m = ReplyCodec.message(root);
    try (RaftClient c = client(metaGroup, RPC_TIMEOUT_MS)) {
      RaftClientReply reply = read ? c.io().sendReadOnly(m) : c.io().send(m);
      return ReplyCodec.parseMeta(ReplyCodec.content(reply));
    }
  }

  /** A member's own account of its replica of a data group (a stale read: no log round). */
  static DataStat stat(RaftGroup group, RaftPeer member) throws IOException {
    DataRequest req = DataRequest.newBuilder().setStat(DataStatReq.getDefaultInstance()).build();
    try (RaftClient c = askOnce(group)) {
      return ReplyCodec.data(c.io().sendStaleRead(ReplyCodec.message(req), 0, member.getId()))
          .getStat();
    } catch (HearthException e) {
      throw new IOException(member.getId() + ": " + e.getMessage(), e);
    }
  }

  /** Sets a group's voters; Ratis catches new ones up on the log before it commits the change. */
  static void setConfiguration(RaftGroup group, List<RaftPeer> voters) throws IOException {
    try (RaftClient c = client(group, CONF_TIMEOUT_MS)) {
      RaftClientReply r = c.admin().setConfiguration(voters);
      if (!r.isSuccess()) {
        throw new IOException("setConfiguration " + voters + ": " + r.getException());
      }
    }
  }

  /** Whether a server hosts a division of the group (its reconciler added it). */
  static boolean hosts(RaftGroup group, RaftPeer server) {
    try (RaftClient c = askOnce(group)) {
      // list, not info: a division that waits to be added has no log to describe yet
      return c.getGroupManagementApi(server.getId())
          .list()
          .getGroupIds()
          .contains(group.getGroupId());
    } catch (IOException | RuntimeException e) {
      return false; // gRPC reports a refused connection unchecked
    }
  }

  /** The group's voters as its leader (or any member) has them. */
  static List<RaftPeer> voters(RaftGroup group) throws IOException {
    IOException last = new IOException("no member of " + group.getGroupId() + " answered");
    try (RaftClient c = askOnce(group)) {
      for (RaftPeer p : group.getPeers()) {
        try {
          var info = c.getGroupManagementApi(p.getId()).info(group.getGroupId());
          if (info.isSuccess()) {
            return List.copyOf(info.getGroup().getPeers());
          }
        } catch (IOException e) {
          last = e;
        } catch (RuntimeException e) {
          last = new IOException(e.getMessage(), e); // gRPC reports a refused connection unchecked
        }
      }
    }
    throw last;
  }

  /** A client for questions to one chosen member: the caller decides what a failure means. */
  private static RaftClient askOnce(RaftGroup group) {
    return RaftClients.of(group, RaftClients.askOnce(RPC_TIMEOUT_MS));
  }
}
