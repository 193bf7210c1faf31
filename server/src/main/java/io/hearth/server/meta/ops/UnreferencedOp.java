package io.hearth.server.meta.ops;

import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.BlockList;
import io.hearth.protocol.meta.BlockRef;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import java.util.List;

/**
 * unreferenced: of the given blocks, those no extent refers to, in the order given. The orphan scan
 * of a data group asks this about its blocks older than twice the commit window: those were never
 * referenced (a writer died before its write) or were dropped, and may be deleted.
 */
final class UnreferencedOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    GcBlocks.checkRoot(ctx);
    List<BlockRef> blocks = req.getUnreferenced().getBlocksList();
    GcBlocks.checkCount(blocks);
    BlockList.Builder out = BlockList.newBuilder();
    for (BlockRef b : blocks) {
      if (ChunkMap.refs(ctx.txn(), GcBlocks.key(b)) == 0) {
        out.addBlocks(GcBlocks.ref(b.getGroup(), b.getId()));
      }
    }
    return MetaReply.newBuilder().setBlocks(out).build();
  }

  @Override
  public boolean readOnly() {
    return true;
  }
}
