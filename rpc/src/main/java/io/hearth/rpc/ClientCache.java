package io.hearth.rpc;

import java.util.HashMap;
import java.util.Map;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftGroup;

/**
 * One Ratis client per group and member list, for a service that talks to the same groups over and
 * over (block GC, the session keeper): a group whose members changed gets a new client and the old
 * one is closed. Thread-safe.
 */
public final class ClientCache implements AutoCloseable {
  private final RaftClients.Profile profile;
  private final Map<RaftGroup, RaftClient> clients = new HashMap<>();

  public ClientCache(RaftClients.Profile profile) {
    this.profile = profile;
  }

  /** The client for the group as it is now. */
  public synchronized RaftClient of(RaftGroup g) {
    RaftClient c = clients.get(g);
    if (c == null) {
      clients
          .entrySet()
          .removeIf(
              e -> {
                boolean stale = e.getKey().getGroupId().equals(g.getGroupId());
                if (stale) {
                  RaftClients.closeQuietly(e.getValue());
                }
                return stale;
              });
      c = RaftClients.of(g, profile);
      clients.put(g, c);
    }
    return c;
  }

  @Override
  public synchronized void close() {
    clients.values().forEach(RaftClients::closeQuietly);
    clients.clear();
  }
}
