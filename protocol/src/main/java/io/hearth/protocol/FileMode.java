package io.hearth.protocol;

/** The bits of st_mode, as Linux defines them. */
public final class FileMode {
  public static final int S_IFMT = 0170000;
  public static final int S_IFSOCK = 0140000;
  public static final int S_IFLNK = 0120000;
  public static final int S_IFREG = 0100000;
  public static final int S_IFBLK = 0060000;
  public static final int S_IFDIR = 0040000;
  public static final int S_IFCHR = 0020000;
  public static final int S_IFIFO = 0010000;
  public static final int S_ISUID = 04000;
  public static final int S_ISGID = 02000;
  public static final int S_ISVTX = 01000;
  public static final int S_IXGRP = 00010;

  /** Permission bits plus setuid, setgid and sticky: what chmod may change. */
  public static final int PERM_MASK = 07777;

  private FileMode() {}

  /**
   * {@code mode} without the privileges a file loses when it changes hands or contents: setuid, and
   * setgid where it means "run as group" (group-executable) rather than mandatory locking. Linux
   * drops them on chown of a non-directory, and on write(2) and truncate(2) by a process without
   * CAP_FSETID (for Hearth: anyone but root), so that nobody plants code in a program that runs
   * with another's rights. The namespace does it on write and truncate; a kernel that does it
   * itself sends a chmod as the writer, which the namespace allows anyone who may write the file.
   */
  public static int dropPrivileges(int mode) {
    int m = mode & ~S_ISUID;
    if ((m & S_IXGRP) != 0) {
      m &= ~S_ISGID;
    }
    return m;
  }

  public static int type(int mode) {
    return mode & S_IFMT;
  }

  public static boolean isDir(int mode) {
    return type(mode) == S_IFDIR;
  }

  public static boolean isRegular(int mode) {
    return type(mode) == S_IFREG;
  }

  public static boolean isSymlink(int mode) {
    return type(mode) == S_IFLNK;
  }

  /** True for the file types a namespace can hold. */
  public static boolean isValidType(int type) {
    return switch (type) {
      case S_IFREG, S_IFDIR, S_IFLNK, S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK -> true;
      default -> false;
    };
  }

  /** The character ls -l shows for a type. */
  public static char typeChar(int mode) {
    return switch (type(mode)) {
      case S_IFDIR -> 'd';
      case S_IFLNK -> 'l';
      case S_IFIFO -> 'p';
      case S_IFSOCK -> 's';
      case S_IFCHR -> 'c';
      case S_IFBLK -> 'b';
      default -> '-';
    };
  }

  /** ls -l style permission string, e.g. "drwxr-sr-t". */
  public static String toString(int mode) {
    StringBuilder b = new StringBuilder(10).append(typeChar(mode));
    String rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) {
      b.append((mode & (0400 >> i)) != 0 ? rwx.charAt(i) : '-');
    }
    special(b, 3, (mode & S_ISUID) != 0, 's');
    special(b, 6, (mode & S_ISGID) != 0, 's');
    special(b, 9, (mode & S_ISVTX) != 0, 't');
    return b.toString();
  }

  private static void special(StringBuilder b, int at, boolean set, char c) {
    if (set) {
      b.setCharAt(at, b.charAt(at) == '-' ? Character.toUpperCase(c) : c);
    }
  }
}
