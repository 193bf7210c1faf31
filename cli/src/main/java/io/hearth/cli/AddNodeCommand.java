package io.hearth.cli;

import io.hearth.cli.admin.DataSurvey;
import io.hearth.cli.admin.Membership;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Maps;
import io.hearth.protocol.meta.ClusterMap;
import io.hearth.protocol.meta.GroupInfo;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "add-node",
    description = {
      "Add a running server to the cluster. Start it first with",
      "  hearth server --id ID --address HOST:PORT --data-dir DIR --join <cluster servers>",
      "It joins the meta group (catching up from a snapshot of the namespace), then the servers",
      "form a new data group with it. Waits until it holds a data group unless --no-wait."
    })
final class AddNodeCommand extends MembershipCommand {
  @Parameters(index = "0", paramLabel = "ID", description = "The new node's id (its --id).")
  String id;

  @Parameters(
      index = "1",
      paramLabel = "ADDRESS",
      description = "Where it listens: host:port[:streamPort] (its --address).")
  String address;

  @Option(names = "--no-wait", description = "Return once it is in the meta group.")
  boolean noWait;

  @Override
  int run(Membership m) throws HearthException, InterruptedException {
    out.println("adding " + id + " at " + address + ": it catches up on the namespace first...");
    out.flush();
    Duration took = m.addNode(id, address);
    out.printf(
        Locale.ROOT, "%s joined the meta group; caught up in %.1f s%n", id, took.toMillis() / 1e3);
    if (noWait) {
      return 0;
    }
    boolean ok =
        await(
            m,
            map -> servesAGroup(m, map),
            map -> "waiting for " + id + " to take a data group and its members to answer");
    if (ok) {
      out.println(id + " holds " + Maps.groupsOf(m.map(), id).size() + " data group(s)");
    }
    return ok ? 0 : HearthCli.EXIT_FAILED;
  }

  /** The node is a member of a data group whose every member answers: it serves it. */
  private boolean servesAGroup(Membership m, ClusterMap map) {
    List<GroupInfo> held =
        Maps.groupsOf(map, id).stream().filter(g -> g.getMembersList().contains(id)).toList();
    if (held.isEmpty()) {
      return false;
    }
    DataSurvey s = m.survey(map);
    return held.stream()
        .allMatch(
            g -> s.of(g.getNumber()).values().stream().allMatch(DataSurvey.Replica::reachable));
  }
}
