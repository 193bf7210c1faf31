package io.hearth.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads /proc/self/mountinfo: is a directory a Hearth mount right now? */
final class MountTable {
  static final String FSTYPE = "fuse.hearth";
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

  private MountTable() {}

  /** The file system type mounted at {@code dir}, or null when nothing is mounted there. */
  static String fstypeAt(Path dir) {
    String want = escape(dir.toAbsolutePath().normalize().toString());
    List<String> lines;
    try {
      lines = Files.readAllLines(MOUNTINFO);
    } catch (IOException e) {
      return null;
    }
    String found = null;
    for (String line : lines) {
      // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
      String[] f = line.split(" ");
      int dash = java.util.Arrays.asList(f).indexOf("-");
      if (f.length > 4 && dash > 0 && dash + 1 < f.length && f[4].equals(want)) {
        found = f[dash + 1]; // the last mount on a directory is the visible one
      }
    }
    return found;
  }

  static boolean isHearthMount(Path dir) {
    return FSTYPE.equals(fstypeAt(dir));
  }

  /** mountinfo writes space, tab, newline and backslash as octal escapes. */
  private static String escape(String path) {
    StringBuilder b = new StringBuilder();
    for (char c : path.toCharArray()) {
      switch (c) {
        case ' ' -> b.append("\\040");
        case '\t' -> b.append("\\011");
        case '\n' -> b.append("\\012");
        case '\\' -> b.append("\\134");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
