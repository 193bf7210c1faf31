package io.hearth.cli;

import io.hearth.client.FsStat;
import io.hearth.client.HearthClient;
import io.hearth.protocol.HearthException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "df",
    description = "Show the cluster's capacity and use, as df(1) shows a file system.")
final class DfCommand extends FsSubcommand {
  @Option(
      names = {"-h", "--human-readable"},
      description = "Sizes in powers of 1024 (K, M, G...).")
  boolean human;

  @Option(
      names = {"-i", "--inodes"},
      description = "Inodes instead of blocks.")
  boolean inodes;

  private static final String ROW = "%-14s %10s %10s %10s %4s %s%n";

  @Override
  void run(HearthClient c) throws HearthException {
    FsStat s = c.statfs();
    if (inodes) {
      long used = s.files() - s.filesFree();
      out.printf(ROW, "Filesystem", "Inodes", "IUsed", "IFree", "IUse%", "Mounted on");
      out.printf(
          ROW,
          "hearth",
          num(s.files()),
          num(used),
          num(s.filesFree()),
          percent(used, s.filesFree()),
          "/");
      return;
    }
    long bs = s.blockSize();
    long used = (s.blocks() - s.blocksFree()) * bs;
    long avail = s.blocksAvail() * bs;
    out.printf(
        ROW, "Filesystem", human ? "Size" : "1K-blocks", "Used", "Available", "Use%", "Mounted on");
    out.printf(
        ROW,
        "hearth",
        bytes(s.blocks() * bs),
        bytes(used),
        bytes(avail),
        percent(used, avail),
        "/");
  }

  private String num(long n) {
    return human ? humanize(n, 1000) : Long.toString(n);
  }

  private String bytes(long b) {
    return human ? humanize(b, 1024) : Long.toString((b + 1023) / 1024);
  }

  /** df rounds the use percentage up, of what is usable by users (used + available). */
  private static String percent(long used, long avail) {
    long total = used + avail;
    return total == 0 ? "-" : ((used * 100 + total - 1) / total) + "%";
  }

  private static String humanize(long n, int unit) {
    String suffixes = "KMGTPE";
    if (n < unit) {
      return Long.toString(n);
    }
    double v = n;
    int i = -1;
    while (v >= unit && i < suffixes.length() - 1) {
      v /= unit;
      i++;
    }
    return (v < 10
            ? String.format(java.util.Locale.ROOT, "%.1f", Math.ceil(v * 10) / 10)
            : Long.toString((long) Math.ceil(v)))
        + suffixes.charAt(i);
  }
}
