package io.hearth.server.meta.ops;

import com.google.protobuf.ByteString;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.server.meta.store.InodeRecord;

/** readlink: a symlink's target as stored; EINVAL for anything else. */
final class ReadlinkOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    InodeRecord node = Resolver.existing(ctx, req.getReadlink().getLoc(), false);
    if (!node.isSymlink()) {
      throw new HearthException(Errno.EINVAL, "not a symlink: inode " + node.ino);
    }
    return MetaReply.newBuilder().setData(ByteString.copyFrom(node.target)).build();
  }

  @Override
  public boolean readOnly() {
    return true;
  }
}
