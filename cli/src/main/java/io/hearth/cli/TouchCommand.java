package io.hearth.cli;

import io.hearth.client.HearthClient;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "touch",
    description =
        "Set the access and modification times of files to now, creating empty files that do not exist.")
final class TouchCommand extends FsSubcommand {
  @Option(
      names = {"-c", "--no-create"},
      description = "Do not create files.")
  boolean noCreate;

  @Parameters(arity = "1..*", paramLabel = "FILE")
  List<String> files;

  @Override
  void run(HearthClient c) {
    int mode = 0666 & ~Modes.umask();
    forEach(
        files,
        f -> {
          if (noCreate) {
            touchExisting(c, f);
            return;
          }
          try {
            c.create(f, mode);
          } catch (HearthException e) {
            if (e.errno() != Errno.EEXIST) {
              throw e;
            }
            touchExisting(c, f);
          }
        });
  }

  private void touchExisting(HearthClient c, String f) throws HearthException {
    try {
      c.utimens(f, HearthClient.UTIME_NOW, HearthClient.UTIME_NOW);
    } catch (HearthException e) {
      if (!(noCreate && e.errno() == Errno.ENOENT)) {
        throw e;
      }
    }
  }
}
