package io.hearth.server.meta.ops;

import io.hearth.protocol.meta.LayoutReply;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import java.util.function.Supplier;

/**
 * layout: the data groups and their members, as this server was configured. Not part of the
 * replicated state (it comes from the server, like statfs's capacity), so no write depends on it.
 */
final class LayoutOp implements MetaOp {
  private final Supplier<LayoutReply> layout;

  LayoutOp(Supplier<LayoutReply> layout) {
    this.layout = layout;
  }

  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) {
    return MetaReply.newBuilder().setLayout(layout.get()).build();
  }

  @Override
  public boolean readOnly() {
    return true;
  }
}
