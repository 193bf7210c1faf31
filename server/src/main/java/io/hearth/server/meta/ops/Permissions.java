package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.Caller;
import io.hearth.server.meta.store.InodeRecord;

/** POSIX permission checks for a caller's uid, gid and supplementary groups. uid 0 is root. */
public final class Permissions {
  public static final int R = 4;
  public static final int W = 2;
  public static final int X = 1;

  private Permissions() {}

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

  public static boolean isOwnerOrRoot(Caller c, InodeRecord r) {
    return c.getUid() == 0 || c.getUid() == r.uid;
  }

  /** Whether {@code c} may access {@code r} for every bit of {@code mask} (R|W|X). */
  public static boolean allowed(Caller c, InodeRecord r, int mask) {
    if (c.getUid() == 0) {
      // root passes every check but execute of a file with no execute bit at all
      return (mask & X) == 0 || r.isDir() || (r.mode & 0111) != 0;
    }
    int bits;
    if (c.getUid() == r.uid) {
      bits = (r.mode >> 6) & 7;
    } else if (inGroup(c, r.gid)) {
      bits = (r.mode >> 3) & 7;
    } else {
      bits = r.mode & 7;
    }
    return (bits & mask) == mask;
  }

  public static void check(Caller c, InodeRecord r, int mask, String what) throws HearthException {
    if (!allowed(c, r, mask)) {
      throw new HearthException(Errno.EACCES, what + " (inode " + r.ino + ")");
    }
  }

  /**
   * Restricted deletion: in a sticky directory only the owner of the entry, the owner of the
   * directory or root may remove or rename the entry.
   */
  public static void checkSticky(Caller c, InodeRecord dir, InodeRecord victim)
      throws HearthException {
    if ((dir.mode & FileMode.S_ISVTX) != 0
        && c.getUid() != 0
        && c.getUid() != victim.uid
        && c.getUid() != dir.uid) {
      throw new HearthException(Errno.EPERM, "sticky directory: not the owner of the entry");
    }
  }
}
