package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;

/** removexattr: ENODATA when absent; needs what setxattr needs; the inode's ctime changes. */
final class RemovexattrOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    var x = req.getRemovexattr();
    Xattrs.Target t = Xattrs.target(ctx, x.getLoc(), x.getName(), true);
    if (ctx.txn().get(t.key()) == null) {
      throw new HearthException(Errno.ENODATA, "no such xattr");
    }
    ctx.txn().delete(t.key());
    Xattrs.touch(ctx, t.node());
    return MetaOps.ok();
  }

  @Override
  public boolean readOnly() {
    return false;
  }
}
