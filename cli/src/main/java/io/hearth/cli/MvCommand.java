package io.hearth.cli;

import io.hearth.client.HearthClient;
import io.hearth.protocol.HearthException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "mv",
    description = {
      "Rename SOURCE to DEST, or move SOURCEs into DIRECTORY.",
      "Within one Hearth cluster a move is one atomic rename."
    })
final class MvCommand extends FsSubcommand {
  @Option(
      names = {"-n", "--no-clobber"},
      description = "Do not replace an existing file (fails with EEXIST).")
  boolean noClobber;

  @Parameters(arity = "2..*", paramLabel = "SOURCE... DEST")
  List<String> operands;

  @Override
  void run(HearthClient c) throws HearthException {
    int flags = noClobber ? HearthClient.RENAME_NOREPLACE : 0;
    eachIntoDestination(c, operands, (source, dest) -> c.rename(source, dest, flags));
  }
}
