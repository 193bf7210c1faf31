package io.hearth.cli;

import io.hearth.client.HearthClient;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "readlink", description = "Print the text of symbolic links.")
final class ReadlinkCommand extends FsSubcommand {
  @Parameters(arity = "1..*", paramLabel = "FILE")
  List<String> files;

  @Override
  void run(HearthClient c) {
    forEach(files, f -> out.println(c.readlink(f)));
  }
}
