package io.hearth.cli;

import io.hearth.client.HearthClient;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "rmdir", description = "Remove empty directories.")
final class RmdirCommand extends FsSubcommand {
  @Parameters(arity = "1..*", paramLabel = "DIRECTORY")
  List<String> dirs;

  @Override
  void run(HearthClient c) {
    forEach(dirs, c::rmdir);
  }
}
