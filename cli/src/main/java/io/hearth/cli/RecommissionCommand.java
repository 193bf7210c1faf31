package io.hearth.cli;

import io.hearth.cli.admin.Membership;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Maps;
import io.hearth.protocol.meta.NodeInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "recommission",
    description = {
      "Stop the drain of a node being decommissioned: it takes replicas again, and moves of its",
      "replicas that have not finished are cancelled (finished ones stay where they went)."
    })
final class RecommissionCommand extends MembershipCommand {
  @Parameters(paramLabel = "ID", description = "The draining node.")
  String id;

  @Override
  int run(Membership m) throws HearthException {
    NodeInfo n =
        Maps.node(m.map(), id)
            .orElseThrow(() -> new HearthException(Errno.ENOENT, "no node " + id));
    if (n.getState() != NodeInfo.State.DRAINING) {
      throw new HearthException(
          Errno.EINVAL,
          id + " is " + n.getState().name().toLowerCase() + ", not draining: nothing to undo");
    }
    m.setState(id, NodeInfo.State.ACTIVE, "");
    out.println(id + " is active again");
    return 0;
  }
}
