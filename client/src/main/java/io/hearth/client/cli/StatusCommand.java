package io.hearth.client.cli;

import io.hearth.client.ClusterSpec;
import io.hearth.client.admin.ClusterStatus;
import io.hearth.client.admin.ClusterStatus.Member;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(
    name = "status",
    description = {
      "Show every member of the meta Raft group: id, address, role, term, commit and applied index, reachable or not.",
      "Exit status 0 when a leader exists and a majority of members answers, 1 otherwise."
    })
final class StatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ClusterOptions cluster;

  @Option(names = "--json", description = "One JSON object instead of a table.")
  boolean json;

  @Option(
      names = "--member-timeout",
      paramLabel = "MS",
      defaultValue = "2000",
      description = "How long to wait for each member's answer (default: ${DEFAULT-VALUE}).")
  long memberTimeoutMs;

  @Override
  public Integer call() {
    ClusterSpec where = cluster.spec(spec.commandLine());
    if (memberTimeoutMs <= 0) {
      throw new ParameterException(
          spec.commandLine(), "--member-timeout must be a positive number of milliseconds");
    }
    ClusterStatus s = ClusterStatus.gather(where, Duration.ofMillis(memberTimeoutMs));
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(json(s));
    } else {
      table(s, out);
    }
    out.flush();
    if (s.healthy()) {
      return 0;
    }
    spec.commandLine().getErr().println(spec.qualifiedName() + ": unhealthy: " + s.problem());
    return HearthCli.EXIT_FAILED;
  }

  private static void table(ClusterStatus s, PrintWriter out) {
    int idWidth = Math.max(2, s.members().stream().mapToInt(m -> m.id().length()).max().orElse(0));
    int addressWidth =
        Math.max(7, s.members().stream().mapToInt(m -> m.address().length()).max().orElse(0));
    String row = "%-" + idWidth + "s  %-" + addressWidth + "s  %-9s %6s %10s %10s  %s%n";
    out.printf(row, "ID", "ADDRESS", "ROLE", "TERM", "COMMIT", "APPLIED", "STATE");
    for (Member m : s.members()) {
      if (m.reachable()) {
        String role = m.role() + (m.id().equals(s.leaderId()) ? "*" : "");
        out.printf(
            row,
            m.id(),
            m.address(),
            role,
            m.term(),
            m.commitIndex(),
            m.appliedIndex(),
            "reachable");
      } else {
        out.printf(row, m.id(), m.address(), "-", "-", "-", "-", "UNREACHABLE (" + m.error() + ")");
      }
    }
    out.printf(
        "leader: %s; %d of %d members reachable%n",
        s.leader().map(l -> l.id() + " at " + l.address()).orElse("none"),
        s.reachableCount(),
        s.members().size());
  }

  static String json(ClusterStatus s) {
    StringBuilder b = new StringBuilder("{");
    Json.field(b, "healthy", s.healthy()).append(',');
    Json.field(b, "leader", s.leaderId()).append(',');
    Json.field(b, "reachable", s.reachableCount()).append(',');
    Json.field(b, "problem", s.problem()).append(",\"members\":[");
    List<Member> ms = s.members();
    for (int i = 0; i < ms.size(); i++) {
      Member m = ms.get(i);
      b.append(i == 0 ? "{" : ",{");
      Json.field(b, "id", m.id()).append(',');
      Json.field(b, "address", m.address()).append(',');
      Json.field(b, "reachable", m.reachable()).append(',');
      Json.field(b, "leader", m.id().equals(s.leaderId())).append(',');
      Json.field(b, "role", m.role()).append(',');
      Json.field(b, "term", m.reachable() ? m.term() : null).append(',');
      Json.field(b, "commitIndex", m.reachable() ? m.commitIndex() : null).append(',');
      Json.field(b, "appliedIndex", m.reachable() ? m.appliedIndex() : null).append(',');
      Json.field(b, "lastIndex", m.reachable() ? m.lastIndex() : null).append(',');
      Json.field(b, "error", m.error()).append('}');
    }
    return b.append("]}").toString();
  }
}
