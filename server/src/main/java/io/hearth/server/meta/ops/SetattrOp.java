package io.hearth.server.meta.ops;

import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.SetattrReq;
import io.hearth.protocol.posix.SetattrRule;
import io.hearth.server.meta.store.InodeRecord;

/**
 * setattr: truncate, chown, chmod and utimens in one request, decided by {@link SetattrRule} (the
 * rules and their order live there, shared with the client's prediction of an open file's waiting
 * changes) and applied all or nothing. Shrinking drops the chunk map past the new size (the blocks
 * lose references); growing only sets the size, leaving a hole. A request that changes nothing
 * writes nothing (utimensat with both times OMIT).
 */
final class SetattrOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    SetattrReq s = req.getSetattr();
    InodeRecord node = Resolver.existing(ctx, s.getLoc(), s.getFollow());
    Attr next = SetattrRule.apply(node.toAttr(), ctx.caller(), s, ctx.nowNs());
    if (SetattrRule.isNoop(s)) {
      return MetaOps.attr(node);
    }
    if (next.getSize() != node.size) {
      next = next.toBuilder().setDataVersion(ctx.index()).build();
    }
    if (next.getSize() < node.size) {
      // the bytes past the new size go; growing again later must read zeros, not them
      ChunkMap map = new ChunkMap(ctx.txn());
      map.truncate(node.ino, next.getSize());
      map.settle();
    }
    node.setAttrs(next);
    Namespace.save(ctx.txn(), node);
    return MetaOps.attr(node);
  }

  @Override
  public boolean readOnly() {
    return false;
  }
}
