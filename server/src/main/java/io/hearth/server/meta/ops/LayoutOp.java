package io.hearth.server.meta.ops;

import io.hearth.protocol.meta.ClusterMap;
import io.hearth.protocol.meta.LayoutReply;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import java.util.function.Function;

/**
 * layout: the data groups and their members from the cluster map this replica holds (or from the
 * server's configuration before the first map), with what only the server knows: its meta group's
 * members and the members' free space. A read: no write depends on it.
 */
final class LayoutOp implements MetaOp {
  private final Function<ClusterMap, LayoutReply> layout;

  LayoutOp(Function<ClusterMap, LayoutReply> layout) {
    this.layout = layout;
  }

  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) {
    return MetaReply.newBuilder().setLayout(layout.apply(MapGetOp.read(ctx.txn()))).build();
  }

  @Override
  public boolean readOnly() {
    return true;
  }
}
