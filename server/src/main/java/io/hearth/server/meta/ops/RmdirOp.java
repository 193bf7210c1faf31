package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Names;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.server.meta.store.InodeRecord;

/**
 * rmdir: removes an empty directory. The parent loses the link the directory's ".." held, and its
 * mtime and ctime change. Errors follow Linux: "." is EINVAL, ".." ENOTEMPTY, the root EBUSY.
 */
final class RmdirOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    Resolver.Resolved r = RemoveChecks.entry(ctx, req.getRmdir().getLoc(), Errno.EBUSY);
    if (r.isDotOrDotDot()) {
      throw Names.isDot(r.name())
          ? new HearthException(Errno.EINVAL, "cannot remove .")
          : new HearthException(Errno.ENOTEMPTY, "cannot remove ..");
    }
    InodeRecord dir = RemoveChecks.victim(ctx, r);
    RemoveChecks.checkType(dir, true);
    if (!Namespace.isEmptyDir(ctx.txn(), dir.ino)) {
      throw new HearthException(Errno.ENOTEMPTY, "directory not empty: inode " + dir.ino);
    }
    InodeRecord parent = r.parent();
    Namespace.removeName(ctx, parent, r.name());
    parent.nlink--;
    Namespace.save(ctx.txn(), parent);
    Namespace.dropLink(ctx, dir);
    return MetaOps.ok();
  }

  @Override
  public boolean readOnly() {
    return false;
  }
}
