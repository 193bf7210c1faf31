package io.hearth.server.meta.ops;

import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.BlockRef;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.server.meta.store.KeySchema;
import java.util.List;

/**
 * gc_done: the blocks were deleted from their data groups, so the queue forgets them. A block not
 * in the queue is ignored, so a repeated gc_done is harmless.
 */
final class GcDoneOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    GcBlocks.checkRoot(ctx);
    List<BlockRef> blocks = req.getGcDone().getBlocksList();
    GcBlocks.checkCount(blocks);
    for (BlockRef b : blocks) {
      byte[] key = KeySchema.gcQueue(b.getGroup(), b.getId());
      if (ctx.txn().get(key) != null) {
        ctx.txn().delete(key);
      }
    }
    return MetaOps.ok();
  }

  @Override
  public boolean readOnly() {
    return false;
  }
}
