package io.hearth.server.metrics;

import java.util.List;
import java.util.Locale;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.util.LifeCycle;

/**
 * Whether this node can serve: its Raft server runs, it is a member of the meta group and that
 * member knows a leader, and every data group it hosts is running. A load balancer or an
 * orchestrator's probe reads only the status code; the JSON body says why.
 */
final class Health {
  /** The answer: healthy or not, and a small JSON object to send with it. */
  record Status(boolean ok, String json) {}

  private final String nodeId;

  Health(String nodeId) {
    this.nodeId = nodeId;
  }

  Status check(RaftServer raft) {
    LifeCycle.State state = raft.getLifeCycleState();
    if (state != LifeCycle.State.RUNNING) {
      return down("raft server is " + state.name().toLowerCase(Locale.ROOT));
    }
    List<GroupState> groups = GroupState.of(raft);
    GroupState meta = groups.stream().filter(GroupState::meta).findFirst().orElse(null);
    if (meta == null) {
      return down("not a member of the meta group");
    }
    if (!meta.alive()) {
      return down("meta group member is not running");
    }
    if (meta.leader() == null) {
      return down(
          "meta group has no leader (this member: "
              + meta.role().name().toLowerCase(Locale.ROOT)
              + ", term "
              + meta.term()
              + ")");
    }
    int data = 0;
    for (GroupState g : groups) {
      if (!g.meta()) {
        if (!g.alive()) {
          return down(g.name() + " is not running");
        }
        data++;
      }
    }
    StringBuilder b = new StringBuilder("{\"status\":\"ok\"");
    field(b, "node", nodeId);
    field(b, "role", meta.role().name().toLowerCase(Locale.ROOT));
    field(b, "leader", meta.leader().toString());
    b.append(",\"term\":").append(meta.term());
    b.append(",\"data_groups\":").append(data);
    return new Status(true, b.append("}\n").toString());
  }

  private Status down(String reason) {
    StringBuilder b = new StringBuilder("{\"status\":\"unavailable\"");
    field(b, "node", nodeId);
    field(b, "reason", reason);
    return new Status(false, b.append("}\n").toString());
  }

  private static void field(StringBuilder b, String name, String value) {
    b.append(",\"").append(name).append("\":\"");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    b.append('"');
  }
}
