package io.hearth.cli;

import io.hearth.client.HearthClient;
import io.hearth.client.Stat;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "chmod",
    description = "Change the mode of files: octal (750) or symbolic (u+x,go-w, a=rX).")
final class ChmodCommand extends FsSubcommand {
  @Parameters(index = "0", paramLabel = "MODE")
  String mode;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "FILE")
  List<String> files;

  private int umask;

  @Override
  void check() {
    umask = Modes.umask();
    try {
      Modes.apply(mode, 0, false, umask);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
  }

  @Override
  void run(HearthClient c) {
    forEach(
        files,
        f -> {
          int bits;
          if (Modes.isOctal(mode)) {
            bits = Modes.apply(mode, 0, false, umask);
          } else {
            Stat s = c.stat(f);
            bits = Modes.apply(mode, s.mode(), s.isDir(), umask);
          }
          c.chmod(f, bits);
        });
  }
}
