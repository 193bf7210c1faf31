package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.SetxattrReq;
import io.hearth.server.meta.store.InodeRecord;
import io.hearth.server.meta.store.KeySchema;

/**
 * setxattr (XATTR_CREATE=1: fail if present, XATTR_REPLACE=2: fail if absent). The inode's ctime
 * changes. An inode holds at most {@link Limits#XATTR_TOTAL_MAX_BYTES} of names and values
 * (ENOSPC beyond), so one inode cannot grow the metadata database without bound.
 */
final class SetxattrOp implements MetaOp {
  static final int CREATE = 1;
  static final int REPLACE = 2;

  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    SetxattrReq s = req.getSetxattr();
    if ((s.getFlags() & ~(CREATE | REPLACE)) != 0) {
      throw new HearthException(Errno.EINVAL, "setxattr flags " + s.getFlags());
    }
    byte[] name = s.getName().toByteArray();
    Xattrs.Space space = Xattrs.check(name);
    if (s.getValue().size() > Limits.XATTR_VALUE_MAX_BYTES) {
      throw new HearthException(Errno.E2BIG, "xattr value of " + s.getValue().size() + " bytes");
    }
    InodeRecord node = Resolver.existing(ctx, s.getLoc(), true);
    Xattrs.checkAccess(ctx, node, space, true);
    byte[] key = KeySchema.xattr(node.ino, name);
    byte[] old = ctx.txn().get(key);
    if (old != null && (s.getFlags() & CREATE) != 0) {
      throw new HearthException(Errno.EEXIST, "xattr exists");
    }
    if (old == null && (s.getFlags() & REPLACE) != 0) {
      throw new HearthException(Errno.ENODATA, "no such xattr");
    }
    long total = Xattrs.totalBytes(ctx.txn(), node.ino)
        - (old == null ? 0 : name.length + old.length)
        + name.length + s.getValue().size();
    if (total > Limits.XATTR_TOTAL_MAX_BYTES) {
      throw new HearthException(Errno.ENOSPC, "xattrs of inode " + node.ino + " would hold " + total + " bytes");
    }
    ctx.txn().put(key, s.getValue().toByteArray());
    node.ctimeNs = ctx.nowNs();
    Namespace.save(ctx.txn(), node);
    return MetaOps.ok();
  }

  @Override
  public boolean readOnly() {
    return false;
  }
}
