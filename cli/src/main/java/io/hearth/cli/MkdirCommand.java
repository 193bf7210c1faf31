package io.hearth.cli;

import io.hearth.client.HearthClient;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "mkdir", description = "Create directories.")
final class MkdirCommand extends FsSubcommand {
  @Option(
      names = {"-p", "--parents"},
      description = "Make parent directories as needed; no error if a directory exists.")
  boolean parents;

  @Option(
      names = {"-m", "--mode"},
      paramLabel = "MODE",
      description = "Mode of the new directories (as chmod takes it), not a=rwx minus umask.")
  String mode;

  @Parameters(arity = "1..*", paramLabel = "DIRECTORY")
  List<String> dirs;

  private int modeBits;
  private int parentModeBits;

  @Override
  void check() {
    int umask = Modes.umask();
    // As mkdir(1): parents get a=rwx minus umask, plus u+wx so the rest of the path can be made.
    parentModeBits = (0777 & ~umask) | 0300;
    try {
      modeBits = mode == null ? 0777 & ~umask : Modes.apply(mode, 0777, true, umask);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
  }

  @Override
  void run(HearthClient c) {
    forEach(dirs, d -> mkdir(c, d, modeBits));
  }

  private void mkdir(HearthClient c, String dir, int bits) throws HearthException {
    if (!parents) {
      c.mkdir(dir, bits);
      return;
    }
    if (PathNames.isRoot(dir)) {
      return;
    }
    try {
      c.mkdir(dir, bits);
    } catch (HearthException e) {
      switch (e.errno()) {
        case EEXIST -> {
          if (!c.stat(dir).isDir()) {
            throw e;
          }
        }
        case ENOENT -> {
          mkdir(c, PathNames.parent(dir), parentModeBits);
          mkdirExisting(c, dir, bits);
        }
        default -> throw e;
      }
    }
  }

  /** The last mkdir of -p: another client may have made it since. */
  private static void mkdirExisting(HearthClient c, String dir, int bits) throws HearthException {
    try {
      c.mkdir(dir, bits);
    } catch (HearthException e) {
      if (e.errno() != Errno.EEXIST || !c.stat(dir).isDir()) {
        throw e;
      }
    }
  }
}
