package io.hearth.cli;

import io.hearth.client.HearthClient;
import io.hearth.protocol.HearthException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "get",
    description = {
      "Copy a file out of Hearth into a local file, creating LOCAL or truncating it if it exists."
          + " A new local file takes the Hearth file's permissions (less the umask).",
      "On a terminal get shows its progress; otherwise it prints one line at the end (none when"
          + " LOCAL is -)."
    })
final class GetCommand extends DataCommand.Transfer {
  @Parameters(index = "0", paramLabel = "HEARTH_PATH", description = "The file in Hearth.")
  String source;

  @Parameters(
      index = "1",
      paramLabel = "LOCAL",
      description = "The local file (not a directory: name the file itself); - for stdout.")
  String local;

  @Override
  void run(HearthClient c) {
    // The sink opens after the source, which exists by then: its permissions are known.
    Opener<Sink> sink =
        () -> {
          int perm;
          try {
            perm = c.stat(source).perm();
          } catch (HearthException e) {
            throw new EndFailed(source, e);
          }
          return localSink(local, perm).open();
        };
    transfer(hearthSource(c, source), sink, progress(local));
  }
}
