package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.posix.Access;
import io.hearth.server.meta.store.InodeRecord;

/**
 * POSIX permission checks on stored inodes: {@link Access}'s rules (shared with the client),
 * applied to {@link InodeRecord}s, and the sticky-directory rule.
 */
public final class Permissions {
  public static final int R = Access.R;
  public static final int W = Access.W;
  public static final int X = Access.X;

  private Permissions() {}

  public static boolean inGroup(Caller c, int gid) {
    return Access.inGroup(c, gid);
  }

  public static boolean isOwnerOrRoot(Caller c, InodeRecord r) {
    return Access.isOwnerOrRoot(c, r.uid);
  }

  /** Whether {@code c} may access {@code r} for every bit of {@code mask} (R|W|X). */
  public static boolean allowed(Caller c, InodeRecord r, int mask) {
    return Access.allowed(c, r.mode, r.uid, r.gid, mask);
  }

  public static void check(Caller c, InodeRecord r, int mask, String what) throws HearthException {
    Access.check(c, r.mode, r.uid, r.gid, r.ino, mask, what);
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
