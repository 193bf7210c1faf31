package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.server.meta.store.InodeRecord;

/**
 * link: a new name for an existing non-directory (a symlink at the end is not followed, as in
 * link(2)). The inode gains a link and a new ctime; the new name's directory a new mtime and ctime.
 */
final class LinkOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    var l = req.getLink();
    InodeRecord node = Resolver.existing(ctx, l.getTarget(), false);
    Resolver.Resolved r = Resolver.parentOf(ctx, l.getLink());
    InodeRecord parent = CreateChecks.parentForNewName(ctx, r);
    if (node.isDir()) {
      throw new HearthException(Errno.EPERM, "cannot link a directory: inode " + node.ino);
    }
    if (node.nlink == 0) {
      throw new HearthException(Errno.ENOENT, "inode " + node.ino + " has no name left");
    }
    CreateChecks.checkLinkCount(node);
    node.nlink++;
    node.ctimeNs = ctx.nowNs();
    Namespace.saveLinked(ctx, parent, r.name(), node);
    return MetaOps.attr(node);
  }

  @Override
  public boolean readOnly() {
    return false;
  }
}
