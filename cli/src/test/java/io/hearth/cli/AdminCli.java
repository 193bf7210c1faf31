package io.hearth.cli;

import io.hearth.cli.admin.DataSurvey;
import io.hearth.cli.admin.Membership;
import io.hearth.client.ClusterSpec;
import io.hearth.protocol.Maps;
import io.hearth.protocol.meta.ClusterMap;
import io.hearth.protocol.meta.GroupInfo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Runs {@code hearth admin ...} in this JVM as main would, against a cluster spec. */
public final class AdminCli {
  public record Result(int status, String out, String err) {
    @Override
    public String toString() {
      return "exit " + status + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
  }

  private AdminCli() {}

  public static Result run(String spec, String... args) {
    List<String> all = new ArrayList<>(List.of("admin"));
    all.add(args[0]);
    all.addAll(List.of("--cluster", spec));
    all.addAll(List.of(args).subList(1, args.length));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl =
        HearthCli.commandLine(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int status = cl.execute(all.toArray(String[]::new));
    System.out.println("hearth " + String.join(" ", all) + " -> " + status);
    System.out.print(out);
    System.out.print(err);
    return new Result(status, out.toString(), err.toString());
  }

  /** Every group has three voters, none of them a removed node, each holding every block. */
  public static void awaitFullyReplicated(String spec, String... gone) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    String last = "";
    while (System.currentTimeMillis() < deadline) {
      try (Membership m = new Membership(ClusterSpec.parse(spec))) {
        ClusterMap map = m.map();
        DataSurvey s = m.survey(map);
        boolean ok = s.underReplicated(Membership.REPLICAS) == 0;
        for (GroupInfo g : map.getGroupsList()) {
          ok &= g.getMembersCount() == Membership.REPLICAS && g.getJoining().isEmpty();
          for (String id : gone) {
            ok &= !Maps.holds(g, id);
          }
        }
        if (ok) {
          return;
        }
        last = map.toString();
      }
      Thread.sleep(500);
    }
    throw new AssertionError("not fully replicated within 60 s: " + last);
  }
}
