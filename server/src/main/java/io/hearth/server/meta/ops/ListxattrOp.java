package io.hearth.server.meta.ops;

import com.google.protobuf.ByteString;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.XattrNames;
import io.hearth.server.meta.store.InodeRecord;
import io.hearth.server.meta.store.KeySchema;
import java.util.Map;

/**
 * listxattr: the names of an inode's attributes, in byte order. As on Linux it needs no permission
 * on the inode itself, and trusted.* names are shown to root only.
 */
final class ListxattrOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    InodeRecord node = Resolver.existing(ctx, req.getListxattr().getLoc(), true);
    XattrNames.Builder out = XattrNames.newBuilder();
    for (Map.Entry<byte[], byte[]> x :
        ctx.txn().scan(KeySchema.xattrPrefix(node.ino), null, Integer.MAX_VALUE)) {
      byte[] name = KeySchema.nameOf(x.getKey());
      if (ctx.isRoot() || !Xattrs.isTrusted(name)) {
        out.addNames(ByteString.copyFrom(name));
      }
    }
    return MetaReply.newBuilder().setXattrNames(out).build();
  }

  @Override
  public boolean readOnly() {
    return true;
  }
}
