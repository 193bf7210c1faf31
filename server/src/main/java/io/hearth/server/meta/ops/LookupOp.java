package io.hearth.server.meta.ops;

import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;

/** lookup / getattr / stat (follow) / lstat (no follow). */
final class LookupOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    var r = req.getLookup();
    return MetaReply.newBuilder()
        .setAttr(Resolver.existing(ctx, r.getLoc(), r.getFollow()).toAttr())
        .build();
  }

  @Override
  public boolean readOnly() {
    return true;
  }
}
