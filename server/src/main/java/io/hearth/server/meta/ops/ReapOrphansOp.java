package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;

/**
 * The leader found orphans no session holds open any more: they go, with their contents. An inode
 * that is no orphan (any more) is left alone. Root only.
 */
final class ReapOrphansOp implements MetaOp {
  static final int INOS_MAX = 4096;

  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    if (!ctx.isRoot()) {
      throw new HearthException(Errno.EPERM, "only root reaps orphans");
    }
    var inos = req.getReapOrphans().getInosList();
    if (inos.size() > INOS_MAX) {
      throw new HearthException(Errno.E2BIG, inos.size() + " orphans in one request");
    }
    for (long ino : inos) {
      Namespace.releaseOrphan(ctx.txn(), ino);
    }
    return MetaOps.ok();
  }

  @Override
  public boolean readOnly() {
    return false;
  }
}
