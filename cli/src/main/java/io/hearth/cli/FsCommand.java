package io.hearth.cli;

import picocli.CommandLine.Command;

/** {@code hearth fs}: file system commands, named and behaving like their coreutils namesakes. */
@Command(
    name = "fs",
    synopsisSubcommandLabel = "COMMAND",
    description = {
      "File system commands on a Hearth cluster, like their coreutils namesakes.",
      "Paths are absolute within Hearth (a relative path starts at /)."
    },
    subcommands = {
      LsCommand.class,
      StatCommand.class,
      MkdirCommand.class,
      RmCommand.class,
      RmdirCommand.class,
      MvCommand.class,
      LnCommand.class,
      ChmodCommand.class,
      ChownCommand.class,
      TouchCommand.class,
      TruncateCommand.class,
      PutCommand.class,
      GetCommand.class,
      CatCommand.class,
      SetfattrCommand.class,
      GetfattrCommand.class,
      ReadlinkCommand.class,
      DfCommand.class
    })
final class FsCommand extends ParentCommand {}
