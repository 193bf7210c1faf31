package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.server.meta.store.InodeRecord;
import io.hearth.server.meta.store.KeySchema;

/** removexattr: ENODATA when absent; needs what setxattr needs; the inode's ctime changes. */
final class RemovexattrOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    var x = req.getRemovexattr();
    byte[] name = x.getName().toByteArray();
    Xattrs.Space space = Xattrs.check(name);
    InodeRecord node = Resolver.existing(ctx, x.getLoc(), true);
    Xattrs.checkAccess(ctx, node, space, true);
    byte[] key = KeySchema.xattr(node.ino, name);
    if (ctx.txn().get(key) == null) {
      throw new HearthException(Errno.ENODATA, "no such xattr");
    }
    ctx.txn().delete(key);
    node.ctimeNs = ctx.nowNs();
    Namespace.save(ctx.txn(), node);
    return MetaOps.ok();
  }

  @Override
  public boolean readOnly() {
    return false;
  }
}
