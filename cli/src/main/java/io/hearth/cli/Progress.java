package io.hearth.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * How far a copy got. On a terminal a line that updates in place (bytes so far, MiB/s); otherwise
 * one line when it is done: {@code /data/x.csv: 12582912 bytes (12.0 MiB) in 1.31 s, 9.2 MiB/s}.
 */
final class Progress {
  /** For copies whose bytes go to stdout: no progress and no summary. */
  static final Progress NONE = new Progress(null, "", true, false);

  private static final long REDRAW_NS = 250_000_000L;
  private static final double MIB = 1 << 20;

  private final PrintWriter out;
  private final String name;
  private final boolean silent;
  private final boolean live;
  private final long startNs = System.nanoTime();
  private long lastDrawNs = startNs;
  private long bytes;

  Progress(PrintWriter out, String name, boolean silent) {
    this(out, name, silent, isTerminal());
  }

  Progress(PrintWriter out, String name, boolean silent, boolean live) {
    this.out = out;
    this.name = name;
    this.silent = silent;
    this.live = live && !silent;
  }

  /** True when the user watches: stdin and stdout are a terminal. */
  static boolean isTerminal() {
    java.io.Console c = System.console();
    return c != null && c.isTerminal();
  }

  void add(long n) {
    if (silent) {
      return;
    }
    bytes += n;
    long now = System.nanoTime();
    if (live && now - lastDrawNs >= REDRAW_NS) {
      lastDrawNs = now;
      // \r and erase-to-end-of-line: the line is redrawn in place.
      out.print("\r" + name + ": " + bytes + " bytes" + mib(bytes) + ", " + rate(now) + "\033[K");
      out.flush();
    }
  }

  void done() {
    if (silent) {
      return;
    }
    long now = System.nanoTime();
    String line =
        String.format(
            Locale.ROOT,
            "%s: %d bytes%s in %.2f s, %s",
            name,
            bytes,
            mib(bytes),
            (now - startNs) / 1e9,
            rate(now));
    out.println(live ? "\r" + line + "\033[K" : line);
    out.flush();
  }

  /** " (12.0 MiB)"; nothing under 1 MiB, where the byte count says it all. */
  private static String mib(long b) {
    return b < MIB ? "" : String.format(Locale.ROOT, " (%.1f MiB)", b / MIB);
  }

  private String rate(long now) {
    double s = Math.max(now - startNs, 1) / 1e9;
    return String.format(Locale.ROOT, "%.1f MiB/s", bytes / MIB / s);
  }
}
