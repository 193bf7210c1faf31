package io.hearth.cli;

import io.hearth.client.HearthClient;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "cat",
    description =
        "Concatenate files to standard output, as cat(1). A file that fails is reported and the"
            + " next one is printed.")
final class CatCommand extends DataCommand {
  @Parameters(arity = "1..*", paramLabel = "FILE")
  List<String> files;

  @Override
  void run(HearthClient c) {
    for (String f : files) {
      EndFailed e = transfer(hearthSource(c, f), localSink(STDIO, 0), Progress.NONE);
      if (e != null && e.name.equals(STDOUT_NAME)) {
        return; // a closed pipe, a full disk: the rest would not get out either
      }
    }
  }
}
