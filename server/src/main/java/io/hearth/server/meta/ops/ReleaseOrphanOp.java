package io.hearth.server.meta.ops;

import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;

/**
 * The holder of an orphan (a file unlinked while it had it open) closed its last descriptor: the
 * inode goes, with its contents. Idempotent: nothing happens for an inode that is no orphan (never
 * was, or released already).
 */
final class ReleaseOrphanOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    Namespace.releaseOrphan(ctx.txn(), req.getReleaseOrphan().getIno());
    return MetaOps.ok();
  }

  @Override
  public boolean readOnly() {
    return false;
  }
}
