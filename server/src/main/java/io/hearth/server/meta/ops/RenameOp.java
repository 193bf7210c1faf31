package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.WireFlags;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.RenameReq;
import io.hearth.server.meta.store.InodeRecord;

/**
 * rename / renameat2 (RENAME_NOREPLACE, RENAME_EXCHANGE). Checks run in the order Linux's
 * do_renameat2 and vfs_rename run them, so a caller sees the same errno as on a local disk. Both
 * directories get new mtime and ctime, the moved inodes a new ctime. A directory moved to another
 * parent takes its ".." link along (the {@code parent} pointer and both parents' nlink).
 *
 * <p>A plain rename gives the new name a fresh cookie (a paged listing may then meet the entry
 * twice, under both names, which POSIX allows); an exchange keeps both names in place.
 */
final class RenameOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    RenameReq q = req.getRename();
    int flags = q.getFlags();
    if ((flags & ~(WireFlags.RENAME_NOREPLACE | WireFlags.RENAME_EXCHANGE)) != 0
        || flags == (WireFlags.RENAME_NOREPLACE | WireFlags.RENAME_EXCHANGE)) {
      throw new HearthException(Errno.EINVAL, "rename flags " + flags);
    }
    boolean noReplace = (flags & WireFlags.RENAME_NOREPLACE) != 0;
    boolean exchange = (flags & WireFlags.RENAME_EXCHANGE) != 0;
    Errno targetBusy = noReplace ? Errno.EEXIST : Errno.EBUSY;
    Resolver.Resolved from = RemoveChecks.entry(ctx, q.getFrom(), Errno.EBUSY);
    Resolver.Resolved to = RemoveChecks.entry(ctx, q.getTo(), targetBusy);
    if (from.isDotOrDotDot()) {
      throw new HearthException(Errno.EBUSY, "cannot rename . or ..");
    }
    if (to.isDotOrDotDot()) {
      throw new HearthException(targetBusy, "cannot rename onto . or ..");
    }
    InodeRecord src = from.existing();
    InodeRecord dst = to.node();
    if (noReplace && dst != null) {
      throw new HearthException(Errno.EEXIST, "target exists");
    }
    if (exchange && dst == null) {
      throw new HearthException(Errno.ENOENT, "nothing to exchange with");
    }
    InodeRecord oldDir = from.parent();
    // one record per inode, or the second save would undo the first
    InodeRecord newDir = to.parent().ino == oldDir.ino ? oldDir : to.parent();
    if (oldDir != newDir) {
      checkNotIntoItself(ctx, src, newDir, dst, oldDir, exchange);
    }
    if (dst != null && dst.ino == src.ino) {
      return MetaOps.ok(); // two names of one inode: POSIX says do nothing
    }
    checkPermissions(ctx, from, to, src, dst, exchange);
    if (oldDir != newDir) {
      checkMoveAcross(ctx, src, dst, oldDir, newDir, exchange);
    }
    if (!exchange && dst != null && dst.isDir() && !Namespace.isEmptyDir(ctx.txn(), dst.ino)) {
      throw new HearthException(Errno.ENOTEMPTY, "target directory not empty: inode " + dst.ino);
    }
    if (exchange) {
      RenameMoves.exchange(ctx, oldDir, from.name(), src, newDir, to.name(), dst);
    } else {
      RenameMoves.move(ctx, oldDir, from.name(), src, newDir, to.name(), dst);
    }
    return MetaOps.ok();
  }

  /**
   * Linux's lock_rename "trap": a directory cannot move below itself (EINVAL), and a target that is
   * an ancestor of the source is not empty (ENOTEMPTY; EINVAL for an exchange).
   */
  private static void checkNotIntoItself(
      OpContext ctx,
      InodeRecord src,
      InodeRecord newDir,
      InodeRecord dst,
      InodeRecord oldDir,
      boolean exchange)
      throws HearthException {
    if (RenameMoves.isAncestorOrSelf(ctx, src, newDir)) {
      throw new HearthException(Errno.EINVAL, "cannot move a directory into itself");
    }
    if (dst != null && RenameMoves.isAncestorOrSelf(ctx, dst, oldDir)) {
      throw new HearthException(
          exchange ? Errno.EINVAL : Errno.ENOTEMPTY, "target is an ancestor of the source");
    }
  }

  /** may_delete on the source and on a replaced target, may_create where the target is new. */
  private static void checkPermissions(
      OpContext ctx,
      Resolver.Resolved from,
      Resolver.Resolved to,
      InodeRecord src,
      InodeRecord dst,
      boolean exchange)
      throws HearthException {
    RemoveChecks.victim(ctx, from);
    if (dst == null) {
      Permissions.check(
          ctx.caller(), to.parent(), Permissions.W | Permissions.X, "cannot write directory");
      return;
    }
    RemoveChecks.victim(ctx, to);
    if (!exchange) {
      RemoveChecks.checkType(dst, src.isDir());
    }
  }

  /**
   * A directory changing parent rewrites its "..": that needs write permission on it, and a link.
   */
  private static void checkMoveAcross(
      OpContext ctx,
      InodeRecord src,
      InodeRecord dst,
      InodeRecord oldDir,
      InodeRecord newDir,
      boolean exchange)
      throws HearthException {
    if (src.isDir()) {
      Permissions.check(ctx.caller(), src, Permissions.W, "cannot move directory to a new parent");
    }
    if (exchange && dst.isDir()) {
      Permissions.check(ctx.caller(), dst, Permissions.W, "cannot move directory to a new parent");
    }
    if (src.isDir() && (dst == null || !dst.isDir())) {
      CreateChecks.checkLinkCount(newDir);
    }
    if (exchange && !src.isDir() && dst.isDir()) {
      CreateChecks.checkLinkCount(oldDir);
    }
  }

  @Override
  public boolean readOnly() {
    return false;
  }
}
