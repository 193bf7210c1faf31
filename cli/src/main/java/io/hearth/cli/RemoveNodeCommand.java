package io.hearth.cli;

import io.hearth.cli.admin.Membership;
import io.hearth.protocol.HearthException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "remove-node",
    description = {
      "Take a node out of the cluster now (for a dead or retired server): it leaves the meta",
      "group at once, and its data replicas are re-created on other nodes (from the node itself",
      "while it still answers, else from the other replicas). Refused when that would lose the",
      "meta group's or a data group's majority, or the only copy of blocks, unless --force.",
      "Waits until no data group holds it unless --no-wait. To move data off a live node before",
      "it leaves, use decommission."
    })
final class RemoveNodeCommand extends MembershipCommand {
  @Parameters(paramLabel = "ID", description = "The node to remove.")
  String id;

  @Option(names = "--force", description = "Remove it even if a check refuses.")
  boolean force;

  @Option(names = "--no-wait", description = "Return once it is out of the meta group.")
  boolean noWait;

  @Override
  int run(Membership m) throws HearthException, InterruptedException {
    if (refused(m.refusals(id), force)) {
      return HearthCli.EXIT_FAILED;
    }
    m.removeNode(id);
    out.println(id + " left the meta group; its data replicas move to other nodes");
    out.flush();
    if (noWait) {
      return 0;
    }
    boolean ok = awaitDrained(m, id);
    if (ok) {
      out.println(id + " removed: no data group holds it. Stop its server; its data dir can go.");
    }
    return ok ? 0 : HearthCli.EXIT_FAILED;
  }
}
