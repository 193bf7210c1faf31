package io.hearth.cli;

import io.hearth.client.HearthClient;
import io.hearth.protocol.HearthException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "ln",
    description = {
      "Make a link named LINK_NAME to TARGET, or links to TARGETs in DIRECTORY.",
      "Hard links by default; with -s, TARGET is stored as the link's text, as given."
    })
final class LnCommand extends FsSubcommand {
  @Option(
      names = {"-s", "--symbolic"},
      description = "Make symbolic links instead of hard links.")
  boolean symbolic;

  @Parameters(arity = "2..*", paramLabel = "TARGET... LINK_NAME|DIRECTORY")
  List<String> operands;

  @Override
  void run(HearthClient c) throws HearthException {
    eachIntoDestination(
        c,
        operands,
        (target, link) -> {
          if (symbolic) {
            c.symlink(target, link);
          } else {
            c.link(target, link);
          }
        });
  }
}
