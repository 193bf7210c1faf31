package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.server.meta.store.InodeRecord;

/** access: whether the caller may read, write or execute (mask R=4 W=2 X=1; 0 asks existence). */
final class AccessOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    var a = req.getAccess();
    int mask = a.getMask();
    if ((mask & ~(Permissions.R | Permissions.W | Permissions.X)) != 0) {
      throw new HearthException(Errno.EINVAL, "access mask " + mask);
    }
    InodeRecord node = Resolver.existing(ctx, a.getLoc(), true);
    Permissions.check(ctx.caller(), node, mask, "access denied");
    return MetaOps.ok();
  }

  @Override
  public boolean readOnly() {
    return true;
  }
}
