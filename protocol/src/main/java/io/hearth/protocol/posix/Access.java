package io.hearth.protocol.posix;

import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.Caller;

/**
 * POSIX permission checks for a caller's uid, gid and supplementary groups (uid 0 is root), on an
 * inode's mode, owner and group. The server decides with these; a client predicts with the same.
 */
public final class Access {
  public static final int R = 4;
  public static final int W = 2;
  public static final int X = 1;

  private Access() {}

  public static boolean isRoot(Caller c) {
    return c.getUid() == 0;
  }

  /** Whether {@code c} has {@code gid} as its group or among its supplementary groups. */
  public static boolean inGroup(Caller c, int gid) {
    if (c.getGid() == gid) {
      return true;
    }
    for (int g : c.getGroupsList()) {
      if (g == gid) {
        return true;
      }
    }
    return false;
  }

  public static boolean isOwnerOrRoot(Caller c, int uid) {
    return isRoot(c) || c.getUid() == uid;
  }

  /** Whether {@code c} may access an inode of this mode and owner for every bit of {@code mask}. */
  public static boolean allowed(Caller c, int mode, int uid, int gid, int mask) {
    if (isRoot(c)) {
      // root passes every check but execute of a file with no execute bit at all
      return (mask & X) == 0 || FileMode.isDir(mode) || (mode & 0111) != 0;
    }
    int bits;
    if (c.getUid() == uid) {
      bits = (mode >> 6) & 7;
    } else if (inGroup(c, gid)) {
      bits = (mode >> 3) & 7;
    } else {
      bits = mode & 7;
    }
    return (bits & mask) == mask;
  }

  /** EACCES unless {@link #allowed}; {@code what} says what was refused. */
  public static void check(Caller c, int mode, int uid, int gid, long ino, int mask, String what)
      throws HearthException {
    if (!allowed(c, mode, uid, gid, mask)) {
      throw new HearthException(Errno.EACCES, what + " (inode " + ino + ")");
    }
  }
}
