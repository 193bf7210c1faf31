package io.hearth.cli;

import io.hearth.cli.admin.ClusterStatus;
import io.hearth.cli.admin.ClusterStatus.Member;
import io.hearth.cli.admin.DataSurvey;
import io.hearth.cli.admin.Membership;
import io.hearth.client.ClusterSpec;
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
      "Show every member of the meta Raft group: id, address, role, term, commit and applied index, reachable or not;",
      "every node of the cluster map: state (active, draining, removed), data groups held, blocks, bytes, free space;",
      "every data group: members (the leader starred), a move under way, blocks, and what each member still lacks;",
      "and the blocks that have fewer than 3 good replicas now (under-replicated).",
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
    DataSurvey data = s.healthy() ? dataSurvey(where) : null;
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(json(s, data));
    } else {
      table(s, out);
      if (data != null) {
        DataTables.print(data, out);
      }
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

  /** The map and its data groups, or null when the map cannot be read (no map yet). */
  private DataSurvey dataSurvey(ClusterSpec where) {
    try (Membership m = new Membership(where)) {
      return m.survey(m.map());
    } catch (java.io.IOException e) {
      return null;
    }
  }

  static String json(ClusterStatus s, DataSurvey data) {
    String meta = json(s);
    return data == null
        ? meta
        : meta.substring(0, meta.length() - 1) + "," + DataTables.json(data) + "}";
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
