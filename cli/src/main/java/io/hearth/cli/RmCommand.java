package io.hearth.cli;

import io.hearth.client.DirEntry;
import io.hearth.client.HearthClient;
import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "rm",
    description =
        "Remove files, or directories with -r. Symbolic links are removed, never followed.")
final class RmCommand extends FsSubcommand {
  @Option(
      names = {"-r", "-R", "--recursive"},
      description = "Remove directories and their contents.")
  boolean recursive;

  @Option(
      names = {"-f", "--force"},
      description = "Ignore missing files; no error without operands.")
  boolean force;

  @Parameters(arity = "0..*", paramLabel = "FILE")
  List<String> files = List.of();

  @Override
  void check() {
    if (files.isEmpty() && !force) {
      throw usage("missing operand");
    }
  }

  @Override
  void run(HearthClient c) {
    forEach(files, p -> unlessMissing(() -> removeOperand(c, p)));
  }

  private void removeOperand(HearthClient c, String path) throws HearthException {
    if (PathNames.isRoot(path)) {
      throw new HearthException(Errno.EPERM, "refusing to remove '/'");
    }
    if (!c.lstat(path).isDir()) {
      c.unlink(path);
    } else if (recursive) {
      removeTree(c, path);
    } else {
      throw new HearthException(Errno.EISDIR, path);
    }
  }

  /** Depth first; a child that cannot be removed is reported, and its directory then stays. */
  private void removeTree(HearthClient c, String dir) throws HearthException {
    for (DirEntry e : c.list(dir, false)) {
      boolean isDir = e.type() == FileMode.S_IFDIR;
      forEach(
          List.of(PathNames.child(dir, e.name())),
          p ->
              unlessMissing(
                  () -> {
                    if (isDir) {
                      removeTree(c, p);
                    } else {
                      c.unlink(p);
                    }
                  }));
    }
    c.rmdir(dir);
  }

  private interface Removal {
    void run() throws HearthException;
  }

  /** With -f, something already gone is no failure. */
  private void unlessMissing(Removal r) throws HearthException {
    try {
      r.run();
    } catch (HearthException e) {
      if (!(force && e.errno() == Errno.ENOENT)) {
        throw e;
      }
    }
  }
}
