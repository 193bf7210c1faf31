package io.hearth.server.cluster;

import io.hearth.protocol.Groups;
import io.hearth.server.config.Peer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;

/** How a node that joins learns the meta group's members from addresses of the running cluster. */
public final class Join {
  private static final long RETRY_SLEEP_MS = 1_000;

  private Join() {}

  /**
   * Asks the servers at {@code addresses} (host:port,...) in turn until one names the meta group's
   * members; retried until {@code timeoutMs}, since the cluster may be electing.
   */
  public static RaftGroup metaGroup(String addresses, long timeoutMs) throws IOException {
    List<RaftPeer> named = new ArrayList<>();
    for (String a : addresses.split(",")) {
      Peer p = Peer.parse("join" + named.size() + "@" + a.trim());
      named.add(RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build());
    }
    RaftGroupId meta = RaftGroupId.valueOf(Groups.META);
    RaftGroup group = RaftGroup.valueOf(meta, named);
    long deadline = System.currentTimeMillis() + timeoutMs;
    IOException last = new IOException("no answer");
    while (System.currentTimeMillis() < deadline) {
      try (RaftClient c = GroupCalls.client(group, GroupCalls.RPC_TIMEOUT_MS)) {
        for (RaftPeer p : named) {
          try {
            GroupInfoReply r = c.getGroupManagementApi(p.getId()).info(meta);
            if (r.isSuccess() && !r.getGroup().getPeers().isEmpty()) {
              return r.getGroup();
            }
          } catch (IOException e) {
            last = e;
          } catch (RuntimeException e) {
            last =
                new IOException(e.getMessage(), e); // gRPC reports a refused connection unchecked
          }
        }
      }
      try {
        Thread.sleep(RETRY_SLEEP_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while joining");
      }
    }
    throw new IOException(
        "no server at "
            + addresses
            + " named the meta group's members within "
            + timeoutMs
            + " ms (last: "
            + last.getMessage()
            + "): check the join addresses and that the cluster runs");
  }
}
