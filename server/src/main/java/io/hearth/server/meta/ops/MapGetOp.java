package io.hearth.server.meta.ops;

import com.google.protobuf.InvalidProtocolBufferException;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.ClusterMap;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.server.meta.store.KeySchema;
import io.hearth.server.meta.store.Txn;

/**
 * map_get: the cluster map; ENOENT before the first one is set (the layout then comes from config).
 */
final class MapGetOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    ClusterMap map = read(ctx.txn());
    if (map == null) {
      throw new HearthException(
          Errno.ENOENT, "no cluster map yet: the meta leader writes the first");
    }
    return MetaReply.newBuilder().setMap(map).build();
  }

  /** The stored map, or null when none was set. */
  static ClusterMap read(Txn txn) {
    byte[] v = txn.get(KeySchema.CLUSTER_MAP);
    if (v == null) {
      return null;
    }
    try {
      return ClusterMap.parseFrom(v);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored cluster map does not parse", e);
    }
  }

  @Override
  public boolean readOnly() {
    return true;
  }
}
