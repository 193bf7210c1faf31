package io.hearth.cli;

import io.hearth.cli.admin.Membership;
import io.hearth.protocol.HearthException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "transfer-leader",
    description = {
      "Move the meta group's leadership to another member (before restarting the leader's host,",
      "say): writes pause for about an election's time instead of a failure detector's."
    })
final class TransferLeaderCommand extends MembershipCommand {
  @Option(names = "--to", paramLabel = "ID", description = "The new leader (default: any other).")
  String to;

  @Override
  int run(Membership m) throws HearthException {
    out.println("the meta group is now led by " + m.transferLeader(to));
    return 0;
  }
}
