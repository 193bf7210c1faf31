package io.hearth.server.meta.ops;

import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.server.meta.store.InodeRecord;

/** mkdir: a new directory; the parent gains a link (the new "..") and new mtime/ctime. */
final class MkdirOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    var m = req.getMkdir();
    Resolver.Resolved r = Resolver.parentOf(ctx, m.getLoc());
    InodeRecord parent = CreateChecks.parentForNewName(ctx, r);
    CreateChecks.checkLinkCount(parent);
    int mode = FileMode.S_IFDIR | (m.getMode() & FileMode.PERM_MASK);
    InodeRecord dir = Namespace.newInode(ctx, parent, mode, 0);
    Namespace.save(ctx.txn(), dir);
    parent.nlink++;
    Namespace.addName(ctx, parent, r.name(), dir);
    Namespace.save(ctx.txn(), parent);
    return MetaReply.newBuilder().setAttr(dir.toAttr()).build();
  }

  @Override
  public boolean readOnly() {
    return false;
  }
}
