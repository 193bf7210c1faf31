package io.hearth.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * Permission modes as chmod(1) takes them: octal ({@code 750}) or symbolic ({@code u+x,go-w},
 * {@code a=rX}, {@code g=u}). Symbolic clauses without a who ({@code +x}) are masked by the umask.
 */
final class Modes {
  static final int DEFAULT_UMASK = 022;

  private Modes() {}

  /** This process's umask (from /proc/self/status on Linux), else 022. */
  static int umask() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Umask:")) {
          return Integer.parseInt(line.substring(6).trim(), 8);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or an old kernel: fall through to the usual default
    }
    return DEFAULT_UMASK;
  }

  /** The permission bits of {@code mode} as Java names them (set-id and sticky bits dropped). */
  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] all = PosixFilePermission.values(); // OWNER_READ (0400) first
    for (int i = 0; i < all.length; i++) {
      if ((mode & (0400 >> i)) != 0) {
        s.add(all[i]);
      }
    }
    return s;
  }

  /** The rwx permission bits of a local file (following symlinks). */
  static int localPermissions(Path p) throws IOException {
    return (Integer) Files.getAttribute(p, "unix:mode") & 0777;
  }

  static boolean isOctal(String spec) {
    return spec.matches("[0-7]{1,4}");
  }

  /**
   * The mode {@code spec} makes of {@code current}; {@code dir} matters for 'X'.
   *
   * @throws IllegalArgumentException for a malformed spec
   */
  static int apply(String spec, int current, boolean dir, int umask) {
    if (isOctal(spec)) {
      return Integer.parseInt(spec, 8);
    }
    int mode = current & 07777;
    for (String clause : spec.split(",", -1)) {
      mode = applyClause(spec, clause, mode, dir, umask);
    }
    return mode;
  }

  private static int applyClause(String spec, String clause, int mode, boolean dir, int umask) {
    int i = 0;
    int who = 0;
    for (; i < clause.length() && "ugoa".indexOf(clause.charAt(i)) >= 0; i++) {
      who |=
          switch (clause.charAt(i)) {
            case 'u' -> 04700;
            case 'g' -> 02070;
            case 'o' -> 01007;
            default -> 07777;
          };
    }
    // No who: every bit, but the umask's bits are left alone (as chmod does).
    int mask = who == 0 ? 07777 & ~umask : who;
    if (i == clause.length()) {
      throw invalid(spec);
    }
    while (i < clause.length()) {
      char op = clause.charAt(i++);
      if ("+-=".indexOf(op) < 0) {
        throw invalid(spec);
      }
      int bits = 0;
      for (; i < clause.length() && "+-=".indexOf(clause.charAt(i)) < 0; i++) {
        bits |= perm(spec, clause.charAt(i), mode, dir);
      }
      bits &= mask;
      mode =
          switch (op) {
            case '+' -> mode | bits;
            case '-' -> mode & ~bits;
            default -> (mode & ~(who == 0 ? 07777 : who)) | bits;
          };
    }
    return mode;
  }

  /** The bits one permission letter stands for, before masking by who. */
  private static int perm(String spec, char c, int mode, boolean dir) {
    return switch (c) {
      case 'r' -> 0444;
      case 'w' -> 0222;
      case 'x' -> 0111;
      case 'X' -> dir || (mode & 0111) != 0 ? 0111 : 0;
      case 's' -> 06000;
      case 't' -> 01000;
      case 'u' -> spread((mode >> 6) & 7);
      case 'g' -> spread((mode >> 3) & 7);
      case 'o' -> spread(mode & 7);
      default -> throw invalid(spec);
    };
  }

  /** rwx bits of one class copied to all three classes. */
  private static int spread(int rwx) {
    return rwx * 0111;
  }

  private static IllegalArgumentException invalid(String spec) {
    return new IllegalArgumentException("invalid mode: '" + spec + "'");
  }
}
