package io.hearth.protocol.posix;

import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.meta.SetattrReq;
import io.hearth.protocol.meta.TimeHow;

/**
 * What a setattr request (truncate, chown, chmod, utimens in one) does to an inode's attributes:
 * checked in the order Linux's setattr_prepare checks them, all or nothing. The server's SetattrOp
 * applies it; a client predicts with it the attributes a change it has not committed yet will give
 * (an open file's waiting chmod), so prediction and decision cannot drift apart.
 *
 * <p>Any change sets ctime; a size change also sets mtime; a truncate by anyone but root drops
 * setuid/setgid as truncate(2) does; a chown (even to the same ids) drops them from a
 * non-directory. The caller of {@link #apply} does the side effects (dropping file contents past a
 * smaller size).
 */
public final class SetattrRule {
  private SetattrRule() {}

  /** Whether the request changes nothing (utimensat with both times OMIT and no other field). */
  public static boolean isNoop(SetattrReq s) {
    return !s.hasSize()
        && !s.hasUid()
        && !s.hasGid()
        && !s.hasMode()
        && s.getAtime().getHow() == TimeHow.TIME_OMIT
        && s.getMtime().getHow() == TimeHow.TIME_OMIT;
  }

  /**
   * The attributes {@code s}, asked by {@code c} at time {@code nowNs}, gives {@code node}.
   *
   * @throws HearthException EPERM, EACCES, EISDIR, EINVAL, EFBIG as Linux answers them
   */
  public static Attr apply(Attr node, Caller c, SetattrReq s, long nowNs) throws HearthException {
    if (s.getAtime().getHow() == TimeHow.UNRECOGNIZED
        || s.getMtime().getHow() == TimeHow.UNRECOGNIZED) {
      throw new HearthException(Errno.EINVAL, "unknown time change");
    }
    if (isNoop(s)) {
      return node;
    }
    boolean root = Access.isRoot(c);
    if (s.hasSize()) {
      checkTruncate(c, node, s.getSize(), s.getThroughWritableHandle());
    }
    if (s.hasUid() && !root && !(c.getUid() == node.getUid() && s.getUid() == node.getUid())) {
      throw new HearthException(Errno.EPERM, "only root changes the owner");
    }
    if (s.hasGid() && !root && !mayChgrp(c, node, s.getGid())) {
      throw new HearthException(
          Errno.EPERM, "not the owner, or not a member of group " + s.getGid());
    }
    boolean dropOnly = false;
    if (s.hasMode() && !Access.isOwnerOrRoot(c, node.getUid())) {
      dropOnly = dropsPrivilegesOnly(node.getMode(), s.getMode());
      if (!dropOnly) {
        throw new HearthException(Errno.EPERM, "only the owner or root changes the mode");
      }
      // The kernel's own chmod after a write by someone else (FUSE without killpriv): it only takes
      // setuid/setgid away, which anyone who may write the file makes happen by writing it.
      check(c, node, Access.W, "cannot write file");
    }
    boolean atime = s.getAtime().getHow() != TimeHow.TIME_OMIT;
    boolean mtime = s.getMtime().getHow() != TimeHow.TIME_OMIT;
    if (atime || mtime) {
      checkTimes(c, node, s);
    }
    Attr.Builder b = node.toBuilder();
    int mode = node.getMode();
    if (s.hasSize() && s.getSize() != node.getSize()) {
      b.setSize(s.getSize()).setMtimeNs(nowNs);
    }
    if (s.hasSize() && !root) {
      mode = FileMode.dropPrivileges(mode); // as truncate(2) by anyone but root
    }
    if (s.hasUid() || s.hasGid()) {
      if (s.hasUid()) {
        b.setUid(s.getUid());
      }
      if (s.hasGid()) {
        b.setGid(s.getGid());
      }
      if (!FileMode.isDir(mode)) {
        mode = FileMode.dropPrivileges(mode);
      }
    }
    if (s.hasMode()) {
      int perm = s.getMode() & FileMode.PERM_MASK;
      // a setgid bit for a group the caller is not in would hand out that group's rights
      if (!root && !dropOnly && !Access.inGroup(c, b.getGid())) {
        perm &= ~FileMode.S_ISGID;
      }
      mode = FileMode.type(mode) | perm;
    }
    b.setMode(mode);
    if (atime) {
      b.setAtimeNs(timeOf(s.getAtime().getHow(), s.getAtime().getNs(), nowNs));
    }
    if (mtime) {
      b.setMtimeNs(timeOf(s.getMtime().getHow(), s.getMtime().getNs(), nowNs));
    }
    return b.setCtimeNs(nowNs).build();
  }

  /**
   * Whether the change, if it succeeds on {@code before} giving {@code after}, takes no right away
   * from anyone: same owner and group, no permission bit removed.
   */
  public static boolean takesNoRightAway(Attr before, Attr after) {
    int was = before.getMode() & FileMode.PERM_MASK;
    int now = after.getMode() & FileMode.PERM_MASK;
    return before.getUid() == after.getUid()
        && before.getGid() == after.getGid()
        && (was & ~now) == 0;
  }

  private static void check(Caller c, Attr node, int mask, String what) throws HearthException {
    Access.check(c, node.getMode(), node.getUid(), node.getGid(), node.getIno(), mask, what);
  }

  private static void checkTruncate(Caller c, Attr node, long size, boolean opened)
      throws HearthException {
    if (FileMode.isDir(node.getMode())) {
      throw new HearthException(
          Errno.EISDIR, "cannot truncate a directory: inode " + node.getIno());
    }
    if (!FileMode.isRegular(node.getMode())) {
      throw new HearthException(Errno.EINVAL, "only regular files have a size to set");
    }
    if (size < 0 || size > Limits.FILE_SIZE_MAX_BYTES) {
      throw new HearthException(Errno.EFBIG, "size " + Long.toUnsignedString(size));
    }
    if (!opened) {
      check(c, node, Access.W, "cannot write file");
    }
  }

  /** Whether {@code requested} is {@code mode}'s permissions less some of setuid and setgid. */
  private static boolean dropsPrivilegesOnly(int mode, int requested) {
    int was = mode & FileMode.PERM_MASK;
    int next = requested & FileMode.PERM_MASK;
    int setIds = FileMode.S_ISUID | FileMode.S_ISGID;
    return next != was && (next & ~was) == 0 && ((was ^ next) & ~setIds) == 0;
  }

  /** chgrp: the owner may pick the group it has or any group it is a member of. */
  private static boolean mayChgrp(Caller c, Attr node, int gid) {
    return c.getUid() == node.getUid() && (gid == node.getGid() || Access.inGroup(c, gid));
  }

  /**
   * Explicit times (and NOW for one time only) are the owner's or root's to set (EPERM); both set
   * to now is also allowed to anyone who may write the file (EACCES), as "touch" needs.
   */
  private static void checkTimes(Caller c, Attr node, SetattrReq s) throws HearthException {
    if (Access.isOwnerOrRoot(c, node.getUid())) {
      return;
    }
    if (s.getAtime().getHow() == TimeHow.TIME_NOW && s.getMtime().getHow() == TimeHow.TIME_NOW) {
      check(c, node, Access.W, "cannot write file to touch it");
      return;
    }
    throw new HearthException(Errno.EPERM, "only the owner or root sets explicit times");
  }

  private static long timeOf(TimeHow how, long ns, long now) {
    return how == TimeHow.TIME_NOW ? now : ns;
  }
}
