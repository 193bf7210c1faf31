package io.hearth.server.data;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.TimeDuration;

/** Ratis clients that a server's own services (GC, repair) use to call groups. */
final class ServerClients {
  private ServerClients() {}

  static RaftClient of(RaftGroup group, long requestTimeoutMs, RetryPolicy retry) {
    RaftProperties p = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(
        p, TimeDuration.valueOf(requestTimeoutMs, TimeUnit.MILLISECONDS));
    return RaftClient.newBuilder()
        .setRaftGroup(group)
        .setProperties(p)
        .setRetryPolicy(retry)
        .build();
  }

  static void closeQuietly(RaftClient c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
