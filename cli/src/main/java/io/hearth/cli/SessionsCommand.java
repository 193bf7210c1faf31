package io.hearth.cli;

import io.hearth.cli.admin.Membership;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.SessionInfo;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "sessions",
    description = {
      "List the client sessions: every mount and Java program that talks to the cluster, with the",
      "locks, lock waits and leases it holds, the files it has open and when the meta leader last",
      "heard from it. A session not heard from for its TTL ends by itself; 'hearth admin evict'",
      "ends one at once."
    })
final class SessionsCommand extends MembershipCommand {
  @Option(names = "--json", description = "One JSON object per line instead of a table.")
  boolean json;

  private static final String ROW = "%-8s %-16s %-24s %-10s %6s %6s %5s %6s %5s %8s %s%n";

  @Override
  int run(Membership m) throws HearthException {
    List<SessionInfo> all = m.sessions();
    if (json) {
      all.forEach(s -> out.println(json(s)));
      return 0;
    }
    out.printf(
        ROW, "SESSION", "HOST", "MOUNT", "VERSION", "TTL", "LOCKS", "WAITS", "LEASES", "OPEN",
        "HEARD", "OPENED");
    for (SessionInfo s : all) {
      out.printf(
          ROW,
          s.getSession(),
          s.getHost(),
          s.getMountPoint().isEmpty() ? "(java)" : s.getMountPoint(),
          s.getVersion(),
          s.getTtlMs() / 1000 + "s",
          s.getLocks(),
          s.getWaiters(),
          s.getLeases(),
          s.getOpenFiles() < 0 ? "?" : Integer.toString(s.getOpenFiles()),
          heard(s.getLastHeardMsAgo()),
          Instant.ofEpochSecond(0, s.getOpenedNs()));
    }
    if (all.isEmpty()) {
      out.println("(no sessions)");
    }
    return 0;
  }

  private static String heard(long msAgo) {
    return msAgo < 0 ? "-" : String.format(java.util.Locale.ROOT, "%.1fs", msAgo / 1000.0);
  }

  static String json(SessionInfo s) {
    StringBuilder b = new StringBuilder("{");
    Json.field(b, "session", s.getSession()).append(',');
    Json.field(b, "host", s.getHost()).append(',');
    Json.field(b, "mountPoint", s.getMountPoint()).append(',');
    Json.field(b, "version", s.getVersion()).append(',');
    Json.field(b, "ttlMs", s.getTtlMs()).append(',');
    Json.field(b, "locks", s.getLocks()).append(',');
    Json.field(b, "waiters", s.getWaiters()).append(',');
    Json.field(b, "leases", s.getLeases()).append(',');
    Json.field(b, "openFiles", s.getOpenFiles()).append(',');
    Json.field(b, "lastHeardMsAgo", s.getLastHeardMsAgo()).append(',');
    Json.field(b, "opened", Instant.ofEpochSecond(0, s.getOpenedNs()).toString());
    return b.append('}').toString();
  }
}
