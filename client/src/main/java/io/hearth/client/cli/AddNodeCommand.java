package io.hearth.client.cli;

import io.hearth.client.admin.Membership;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Maps;
import java.time.Duration;
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
            map -> Maps.groupsOf(map, id).stream().anyMatch(g -> g.getMembersList().contains(id)),
            map -> "waiting for " + id + " to take a data group");
    if (ok) {
      out.println(id + " holds " + Maps.groupsOf(m.map(), id).size() + " data group(s)");
    }
    return ok ? 0 : HearthCli.EXIT_FAILED;
  }
}
