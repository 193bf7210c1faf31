package io.hearth.cli;

import io.hearth.cli.admin.Membership;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Maps;
import io.hearth.protocol.meta.NodeInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "decommission",
    description = {
      "Drain a node, then remove it: every data replica it holds is copied to another node first",
      "(the group keeps all its replicas throughout), with progress; then it leaves the meta",
      "group. 'recommission ID' stops a drain under way. Refused when that would lose a",
      "majority or the only copy of blocks, or leave too few nodes for 3 replicas, unless --force.",
      "Run it again to resume waiting for a drain that is under way."
    })
final class DecommissionCommand extends MembershipCommand {
  @Parameters(paramLabel = "ID", description = "The node to drain and remove.")
  String id;

  @Option(names = "--force", description = "Drain it even if a check refuses.")
  boolean force;

  @Option(names = "--no-wait", description = "Start the drain and return.")
  boolean noWait;

  @Override
  int run(Membership m) throws HearthException, InterruptedException {
    return drainThenRemove(this, m, id, "", force, noWait);
  }

  /** Marks the node draining (towards {@code replacedBy} if given), waits, removes it. */
  static int drainThenRemove(
      MembershipCommand c,
      Membership m,
      String id,
      String replacedBy,
      boolean force,
      boolean noWait)
      throws HearthException, InterruptedException {
    NodeInfo n =
        Maps.node(m.map(), id)
            .orElseThrow(
                () -> new HearthException(io.hearth.protocol.Errno.ENOENT, "no node " + id));
    if (n.getState() == NodeInfo.State.ACTIVE) {
      if (c.refused(m.refusals(id), force)) {
        return HearthCli.EXIT_FAILED;
      }
      m.setState(id, NodeInfo.State.DRAINING, replacedBy);
      c.out.println(id + " is draining: its replicas move to other nodes");
    } else {
      c.out.println(id + " is already " + n.getState().name().toLowerCase() + "; waiting");
    }
    c.out.flush();
    if (noWait) {
      return 0;
    }
    if (!c.awaitDrained(m, id)) {
      return HearthCli.EXIT_FAILED;
    }
    if (!Maps.node(m.map(), id).map(x -> x.getState() != NodeInfo.State.ACTIVE).orElse(true)) {
      c.err.println(id + " was recommissioned meanwhile; it stays");
      return HearthCli.EXIT_FAILED;
    }
    m.removeNode(id);
    c.out.println(
        id + " decommissioned: it holds no data and left the meta group. Stop its server.");
    return 0;
  }
}
