package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.SetattrReq;
import io.hearth.protocol.meta.TimeHow;
import io.hearth.server.meta.store.InodeRecord;

/**
 * setattr: truncate, chown, chmod and utimens in one request, checked in the order Linux's
 * setattr_prepare checks them, and applied all or nothing. Any change sets ctime; a size change
 * also sets mtime. Shrinking drops the chunk map past the new size (the blocks lose references);
 * growing only sets the size, leaving a hole. A request that changes nothing writes nothing
 * (utimensat with both times OMIT).
 */
final class SetattrOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    SetattrReq s = req.getSetattr();
    if (s.getAtime().getHow() == TimeHow.UNRECOGNIZED
        || s.getMtime().getHow() == TimeHow.UNRECOGNIZED) {
      throw new HearthException(Errno.EINVAL, "unknown time change");
    }
    InodeRecord node = Resolver.existing(ctx, s.getLoc(), s.getFollow());
    boolean atime = s.getAtime().getHow() != TimeHow.TIME_OMIT;
    boolean mtime = s.getMtime().getHow() != TimeHow.TIME_OMIT;
    if (!s.hasSize() && !s.hasUid() && !s.hasGid() && !s.hasMode() && !atime && !mtime) {
      return MetaOps.attr(node);
    }
    Caller c = ctx.caller();
    if (s.hasSize()) {
      checkTruncate(c, node, s.getSize(), s.getThroughWritableHandle());
    }
    if (s.hasUid() && !ctx.isRoot() && !(c.getUid() == node.uid && s.getUid() == node.uid)) {
      throw new HearthException(Errno.EPERM, "only root changes the owner");
    }
    if (s.hasGid() && !ctx.isRoot() && !mayChgrp(c, node, s.getGid())) {
      throw new HearthException(
          Errno.EPERM, "not the owner, or not a member of group " + s.getGid());
    }
    boolean dropOnly = false;
    if (s.hasMode() && !Permissions.isOwnerOrRoot(c, node)) {
      dropOnly = dropsPrivilegesOnly(node.mode, s.getMode());
      if (!dropOnly) {
        throw new HearthException(Errno.EPERM, "only the owner or root changes the mode");
      }
      // The kernel's own chmod after a write by someone else (FUSE without killpriv): it only takes
      // setuid/setgid away, which anyone who may write the file makes happen by writing it.
      Permissions.check(c, node, Permissions.W, "cannot write file");
    }
    if (atime || mtime) {
      checkTimes(c, node, s);
    }
    long now = ctx.nowNs();
    if (s.hasSize() && s.getSize() != node.size) {
      if (s.getSize() < node.size) {
        // the bytes past the new size go; growing again later must read zeros, not them
        ChunkMap map = new ChunkMap(ctx.txn());
        map.truncate(node.ino, s.getSize());
        map.settle();
      }
      node.size = s.getSize();
      node.mtimeNs = now;
    }
    if (s.hasSize() && !ctx.isRoot()) {
      node.mode = FileMode.dropPrivileges(node.mode); // as truncate(2) by anyone but root
    }
    if (s.hasUid() || s.hasGid()) {
      chown(node, s);
    }
    if (s.hasMode()) {
      int mode = s.getMode() & FileMode.PERM_MASK;
      // a setgid bit for a group the caller is not in would hand out that group's rights
      if (!ctx.isRoot() && !dropOnly && !Permissions.inGroup(c, node.gid)) {
        mode &= ~FileMode.S_ISGID;
      }
      node.mode = FileMode.type(node.mode) | mode;
    }
    if (atime) {
      node.atimeNs = timeOf(s.getAtime().getHow(), s.getAtime().getNs(), now);
    }
    if (mtime) {
      node.mtimeNs = timeOf(s.getMtime().getHow(), s.getMtime().getNs(), now);
    }
    node.ctimeNs = now;
    Namespace.save(ctx.txn(), node);
    return MetaOps.attr(node);
  }

  private static void checkTruncate(Caller c, InodeRecord node, long size, boolean opened)
      throws HearthException {
    if (node.isDir()) {
      throw new HearthException(Errno.EISDIR, "cannot truncate a directory: inode " + node.ino);
    }
    if (!FileMode.isRegular(node.mode)) {
      throw new HearthException(Errno.EINVAL, "only regular files have a size to set");
    }
    if (size < 0 || size > Limits.FILE_SIZE_MAX_BYTES) {
      throw new HearthException(Errno.EFBIG, "size " + Long.toUnsignedString(size));
    }
    if (!opened) {
      Permissions.check(c, node, Permissions.W, "cannot write file");
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
  private static boolean mayChgrp(Caller c, InodeRecord node, int gid) {
    return c.getUid() == node.uid && (gid == node.gid || Permissions.inGroup(c, gid));
  }

  /**
   * Explicit times (and NOW for one time only) are the owner's or root's to set (EPERM); both set
   * to now is also allowed to anyone who may write the file (EACCES), as "touch" needs.
   */
  private static void checkTimes(Caller c, InodeRecord node, SetattrReq s) throws HearthException {
    if (Permissions.isOwnerOrRoot(c, node)) {
      return;
    }
    if (s.getAtime().getHow() == TimeHow.TIME_NOW && s.getMtime().getHow() == TimeHow.TIME_NOW) {
      Permissions.check(c, node, Permissions.W, "cannot write file to touch it");
      return;
    }
    throw new HearthException(Errno.EPERM, "only the owner or root sets explicit times");
  }

  /**
   * A new owner or group, even the same one, drops setuid from a non-directory, and setgid when it
   * means "run as group" (group-executable) rather than mandatory locking.
   */
  private static void chown(InodeRecord node, SetattrReq s) {
    if (s.hasUid()) {
      node.uid = s.getUid();
    }
    if (s.hasGid()) {
      node.gid = s.getGid();
    }
    if (!node.isDir()) {
      node.mode = FileMode.dropPrivileges(node.mode);
    }
  }

  private static long timeOf(TimeHow how, long ns, long now) {
    return how == TimeHow.TIME_NOW ? now : ns;
  }

  @Override
  public boolean readOnly() {
    return false;
  }
}
