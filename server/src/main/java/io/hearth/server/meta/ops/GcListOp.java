package io.hearth.server.meta.ops;

import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.BlockList;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.server.meta.store.KeySchema;
import java.util.Map;

/**
 * gc_list: up to max blocks ({@link GcBlocks#MAX} when 0 or larger) waiting in the GC queue, in
 * (group, id) order. The queue keeps a block until gc_done, so a GC that fails half way lists it
 * again; no cursor is needed.
 */
final class GcListOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    GcBlocks.checkRoot(ctx);
    int asked = req.getGcList().getMax();
    int max =
        asked == 0 ? GcBlocks.MAX : (int) Math.min(Integer.toUnsignedLong(asked), GcBlocks.MAX);
    BlockList.Builder out = BlockList.newBuilder();
    for (Map.Entry<byte[], byte[]> e : ctx.txn().scan(KeySchema.GC_QUEUE_PREFIX, null, max)) {
      out.addBlocks(GcBlocks.ref(KeySchema.blockGroup(e.getKey()), KeySchema.blockId(e.getKey())));
    }
    return MetaReply.newBuilder().setBlocks(out).build();
  }

  @Override
  public boolean readOnly() {
    return true;
  }
}
