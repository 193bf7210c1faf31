package io.hearth.cli;

import io.hearth.client.HearthClient;
import io.hearth.client.Stat;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "truncate",
    description = {
      "Shrink or extend files to SIZE, as truncate(1); a file that does not exist is created."
          + " An extended file reads as zeros past its old end.",
      "SIZE is a number with an optional unit: K, M, G, T, P, E (powers of 1024, also KiB,"
          + " MiB...) or KB, MB... (powers of 1000). A leading + extends by SIZE, - shrinks by,"
          + " < makes it at most, > at least, / rounds down to a multiple of, %% rounds up to a"
          + " multiple of SIZE."
    })
final class TruncateCommand extends FsSubcommand {
  @Option(
      names = {"-s", "--size"},
      required = true,
      paramLabel = "SIZE",
      description = "Set (or adjust) the size to SIZE, e.g. 0, 10M, +1G, %%4K.")
  String sizeText;

  @Option(
      names = {"-c", "--no-create"},
      description = "Do not create files; a missing file is skipped without an error.")
  boolean noCreate;

  @Parameters(arity = "1..*", paramLabel = "FILE")
  List<String> files;

  private Sizes.Spec size;

  @Override
  void check() {
    try {
      size = Sizes.parse(sizeText);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
  }

  @Override
  void run(HearthClient c) {
    int mode = 0666 & ~Modes.umask();
    forEach(
        files,
        f -> {
          long current;
          try {
            Stat st = c.stat(f);
            if (st.isDir()) {
              throw new HearthException(Errno.EISDIR, f);
            }
            current = st.size();
          } catch (HearthException e) {
            if (e.errno() != Errno.ENOENT) {
              throw e;
            }
            if (noCreate) {
              return;
            }
            current = c.create(f, mode).size();
          }
          c.truncate(f, sizeOf(f, current));
        });
  }

  private long sizeOf(String f, long current) throws HearthException {
    try {
      return size.apply(current);
    } catch (ArithmeticException e) {
      throw new HearthException(Errno.EFBIG, f + ": size overflows");
    }
  }
}
