package io.hearth.cli;

import picocli.CommandLine.Command;

/** {@code hearth admin}: commands for whoever runs the cluster. */
@Command(
    name = "admin",
    synopsisSubcommandLabel = "COMMAND",
    description = "Cluster administration.",
    subcommands = {
      StatusCommand.class,
      AddNodeCommand.class,
      RemoveNodeCommand.class,
      ReplaceNodeCommand.class,
      DecommissionCommand.class,
      RecommissionCommand.class,
      TransferLeaderCommand.class,
      RebalanceCommand.class,
      SessionsCommand.class,
      EvictCommand.class
    })
final class AdminCommand extends ParentCommand {}
