package io.hearth.cli;

import io.hearth.client.DirEntry;
import io.hearth.client.HearthClient;
import io.hearth.client.Stat;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "ls",
    description = {
      "List directory contents, sorted by name, one per line.",
      "Owners are shown as numeric ids (as ls -n does): the cluster serves machines whose user databases may differ."
    })
final class LsCommand extends FsSubcommand {
  @Option(names = "-l", description = "Long listing: mode, links, uid, gid, size, mtime, name.")
  boolean longFormat;

  @Option(
      names = {"-a", "--all"},
      description = "Include the . and .. entries.")
  boolean all;

  @Option(
      names = {"-d", "--directory"},
      description = "List directories themselves, not their contents.")
  boolean directory;

  @Parameters(arity = "0..*", paramLabel = "FILE", description = "Default: /.")
  List<String> files = List.of("/");

  private record Row(String name, Stat stat, String path) {}

  private static final Comparator<Row> BY_NAME =
      Comparator.comparing(
          r -> r.name().getBytes(java.nio.charset.StandardCharsets.UTF_8), Arrays::compare);

  private final Instant now = Instant.now();
  private final ZoneId zone = ZoneId.systemDefault();

  @Override
  void run(HearthClient c) throws HearthException {
    List<Row> plain = new ArrayList<>();
    List<Row> dirs = new ArrayList<>();
    forEach(
        files,
        f -> {
          // As ls: operands are followed unless -l or -d shows the link itself.
          Stat s = longFormat || directory ? c.lstat(f) : c.stat(f);
          (s.isDir() && !directory ? dirs : plain).add(new Row(f, s, f));
        });
    plain.sort(BY_NAME);
    dirs.sort(BY_NAME);
    print(c, plain, false);
    boolean headers = files.size() > 1;
    boolean first = plain.isEmpty();
    for (Row d : dirs) {
      if (headers) {
        out.println((first ? "" : "\n") + d.name() + ":");
      }
      first = false;
      forEach(List.of(d.path()), p -> print(c, entries(c, p, d.stat()), true));
    }
  }

  private List<Row> entries(HearthClient c, String dir, Stat self) throws HearthException {
    List<Row> rows = new ArrayList<>();
    if (all) {
      rows.add(new Row(".", self, dir));
      rows.add(new Row("..", c.stat(PathNames.parent(dir)), PathNames.parent(dir)));
    }
    for (DirEntry e : c.list(dir, longFormat)) {
      if (all || !e.name().startsWith(".")) {
        rows.add(new Row(e.name(), e.stat(), PathNames.child(dir, e.name())));
      }
    }
    rows.sort(BY_NAME);
    return rows;
  }

  private void print(HearthClient c, List<Row> rows, boolean total) throws HearthException {
    if (!longFormat) {
      rows.forEach(r -> out.println(r.name()));
      return;
    }
    if (total) {
      // ls counts allocated 1 KiB blocks; Hearth does not report allocation, so size stands in.
      out.println("total " + rows.stream().mapToLong(r -> (r.stat().size() + 1023) / 1024).sum());
    }
    int linksWidth = width(rows, r -> Long.toString(r.stat().nlink()));
    int uidWidth = width(rows, r -> Integer.toString(r.stat().uid()));
    int gidWidth = width(rows, r -> Integer.toString(r.stat().gid()));
    int sizeWidth = width(rows, LsCommand::size);
    for (Row r : rows) {
      Stat s = r.stat();
      String name = s.isSymlink() ? r.name() + " -> " + c.readlink(r.path()) : r.name();
      out.printf(
          "%s %"
              + linksWidth
              + "d %-"
              + uidWidth
              + "d %-"
              + gidWidth
              + "d %"
              + sizeWidth
              + "s %s %s%n",
          FileMode.toString(s.mode()),
          s.nlink(),
          s.uid(),
          s.gid(),
          size(r),
          Formats.lsTime(s.mtimeNs(), now, zone),
          name);
    }
  }

  private static String size(Row r) {
    return Formats.isDevice(r.stat())
        ? Formats.device(r.stat().rdev())
        : Long.toString(r.stat().size());
  }

  private static int width(List<Row> rows, java.util.function.Function<Row, String> f) {
    return rows.stream().mapToInt(r -> f.apply(r).length()).max().orElse(1);
  }
}
