package io.hearth.server.meta.ops;

import com.google.protobuf.ByteString;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.server.meta.store.InodeRecord;
import io.hearth.server.meta.store.KeySchema;

/** getxattr: one attribute's value; ENODATA when absent. Needs read permission. */
final class GetxattrOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    var g = req.getGetxattr();
    byte[] name = g.getName().toByteArray();
    Xattrs.Space space = Xattrs.check(name);
    InodeRecord node = Resolver.existing(ctx, g.getLoc(), true);
    Xattrs.checkAccess(ctx, node, space, false);
    byte[] value = ctx.txn().get(KeySchema.xattr(node.ino, name));
    if (value == null) {
      throw new HearthException(Errno.ENODATA, "no such xattr");
    }
    return MetaReply.newBuilder().setData(ByteString.copyFrom(value)).build();
  }

  @Override
  public boolean readOnly() {
    return true;
  }
}
