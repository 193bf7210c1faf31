package io.hearth.cli;

import io.hearth.cli.admin.Membership;
import io.hearth.protocol.HearthException;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "replace-node",
    description = {
      "Replace a node by a new one: add NEW (started with --join), copy OLD's data replicas to",
      "it first, then remove OLD. The same checks as decommission apply to OLD."
    })
final class ReplaceNodeCommand extends MembershipCommand {
  @Parameters(index = "0", paramLabel = "OLD", description = "The node to retire.")
  String old;

  @Parameters(index = "1", paramLabel = "NEW", description = "The new node's id.")
  String id;

  @Parameters(index = "2", paramLabel = "ADDRESS", description = "NEW's host:port[:streamPort].")
  String address;

  @Option(names = "--force", description = "Go on even if a check refuses.")
  boolean force;

  @Option(names = "--no-wait", description = "Start the move and return.")
  boolean noWait;

  @Override
  int run(Membership m) throws HearthException, InterruptedException {
    var took = m.addNode(id, address);
    out.printf(
        Locale.ROOT, "%s joined the meta group; caught up in %.1f s%n", id, took.toMillis() / 1e3);
    return DecommissionCommand.drainThenRemove(this, m, old, id, force, noWait);
  }
}
