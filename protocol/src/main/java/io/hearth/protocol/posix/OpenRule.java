package io.hearth.protocol.posix;

import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.Caller;

/**
 * open(2)'s rules, Linux's numbering of its flags: which flags make an open a namespace change, and
 * may_open, the check of an inode that the path resolved to. The server's OpenOp decides with it; a
 * client may predict with it.
 */
public final class OpenRule {
  public static final int O_ACCMODE = 03;
  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 01;
  public static final int O_RDWR = 02;
  public static final int O_CREAT = 0100;
  public static final int O_EXCL = 0200;
  public static final int O_TRUNC = 01000;
  public static final int O_APPEND = 02000;
  public static final int O_DIRECTORY = 0200000;
  public static final int O_NOFOLLOW = 0400000;

  /** The flags the namespace looks at; the others (O_SYNC, O_CLOEXEC...) are the opener's. */
  public static final int KNOWN =
      O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_DIRECTORY | O_NOFOLLOW;

  private OpenRule() {}

  /** Whether an open with these flags may change the namespace (a log entry, not a read). */
  public static boolean changes(int flags) {
    return (flags & (O_CREAT | O_TRUNC)) != 0;
  }

  /** Whether the last component is followed when it is a symlink. */
  public static boolean followsLast(int flags) {
    return (flags & O_NOFOLLOW) == 0 && (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
  }

  /** The permission bits an open asks for: its access mode, and write for O_TRUNC (as Linux). */
  public static int accessMask(int flags) {
    int mask =
        switch (flags & O_ACCMODE) {
          case O_RDONLY -> Access.R;
          case O_WRONLY -> Access.W;
          default -> Access.R | Access.W;
        };
    return (flags & O_TRUNC) != 0 ? mask | Access.W : mask;
  }

  /**
   * may_open: whether {@code c} may open {@code node} with {@code flags}. A file the same open just
   * created is the creator's to open whatever its mode.
   *
   * @throws HearthException EINVAL (access mode 3), ELOOP (a symlink with O_NOFOLLOW), ENOTDIR
   *     (O_DIRECTORY), EISDIR (a directory for writing), EACCES
   */
  public static void mayOpen(Attr node, Caller c, int flags, boolean created)
      throws HearthException {
    if ((flags & O_ACCMODE) == O_ACCMODE) {
      throw new HearthException(Errno.EINVAL, "access mode 3");
    }
    int mode = node.getMode();
    if (FileMode.isSymlink(mode)) {
      throw new HearthException(Errno.ELOOP, "a symlink, opened with O_NOFOLLOW");
    }
    if ((flags & O_DIRECTORY) != 0 && !FileMode.isDir(mode)) {
      throw new HearthException(Errno.ENOTDIR, "not a directory: inode " + node.getIno());
    }
    boolean writes = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_TRUNC | O_CREAT)) != 0;
    if (FileMode.isDir(mode) && writes) {
      throw new HearthException(Errno.EISDIR, "is a directory: inode " + node.getIno());
    }
    if (created) {
      return;
    }
    Access.check(
        c,
        mode,
        node.getUid(),
        node.getGid(),
        node.getIno(),
        accessMask(flags),
        "cannot open for " + ((flags & O_ACCMODE) == O_RDONLY ? "reading" : "writing"));
  }
}
