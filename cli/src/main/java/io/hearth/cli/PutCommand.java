package io.hearth.cli;

import io.hearth.client.HearthClient;
import io.hearth.protocol.HearthException;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "put",
    description = {
      "Copy a local file into Hearth, creating HEARTH_PATH or truncating it if it exists.",
      "When put exits 0 the copy is durable on a majority of servers. A new file takes the local"
          + " file's permissions; an existing one keeps its own.",
      "On a terminal put shows its progress; otherwise it prints one line at the end (bytes,"
          + " time, MiB/s)."
    })
final class PutCommand extends DataCommand.Transfer {
  @Option(
      names = {"-m", "--mode"},
      paramLabel = "MODE",
      description =
          "Set the file's permissions to MODE, octal (640) or symbolic (u=rw,go=r) as chmod takes"
              + " them, also when it exists. Default: the local file's; 0666 less the umask for"
              + " stdin.")
  String modeSpec;

  @Parameters(index = "0", paramLabel = "LOCAL", description = "The local file; - for stdin.")
  String local;

  @Parameters(
      index = "1",
      paramLabel = "HEARTH_PATH",
      description = "The file in Hearth (not a directory: name the file itself).")
  String dest;

  @Override
  void check() {
    if (modeSpec != null) {
      try {
        Modes.apply(modeSpec, 0, false, Modes.umask());
      } catch (IllegalArgumentException e) {
        throw usage(e.getMessage());
      }
    }
  }

  @Override
  void run(HearthClient c) {
    int umask = Modes.umask();
    int mode;
    try {
      mode = STDIO.equals(local) ? 0666 & ~umask : Modes.localPermissions(Path.of(local));
    } catch (IOException e) {
      fail(local, errno(e));
      return;
    }
    if (modeSpec != null) {
      mode = Modes.apply(modeSpec, mode, false, umask);
    }
    if (transfer(localSource(local), hearthSink(c, dest, mode), progress(dest)) != null
        || modeSpec == null) {
      return;
    }
    try {
      c.chmod(dest, mode);
    } catch (HearthException e) {
      fail(dest, e);
    }
  }
}
