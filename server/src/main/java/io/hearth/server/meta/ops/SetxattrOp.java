package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.WireFlags;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.SetxattrReq;
import io.hearth.server.meta.store.InodeRecord;

/**
 * setxattr (XATTR_CREATE=1: fail if present, XATTR_REPLACE=2: fail if absent). The inode's ctime
 * changes. An inode holds at most {@link Limits#XATTR_TOTAL_MAX_BYTES} of names and values (ENOSPC
 * beyond), so one inode cannot grow the metadata database without bound.
 */
final class SetxattrOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    SetxattrReq s = req.getSetxattr();
    if ((s.getFlags() & ~(WireFlags.XATTR_CREATE | WireFlags.XATTR_REPLACE)) != 0) {
      throw new HearthException(Errno.EINVAL, "setxattr flags " + s.getFlags());
    }
    // Linux checks the name, then the size, before it looks at the file
    Xattrs.check(s.getName().toByteArray());
    if (s.getValue().size() > Limits.XATTR_VALUE_MAX_BYTES) {
      throw new HearthException(Errno.E2BIG, "xattr value of " + s.getValue().size() + " bytes");
    }
    Xattrs.Target t = Xattrs.target(ctx, s.getLoc(), s.getName(), true);
    InodeRecord node = t.node();
    int nameBytes = t.name().length;
    byte[] old = ctx.txn().get(t.key());
    if (old != null && (s.getFlags() & WireFlags.XATTR_CREATE) != 0) {
      throw new HearthException(Errno.EEXIST, "xattr exists");
    }
    if (old == null && (s.getFlags() & WireFlags.XATTR_REPLACE) != 0) {
      throw new HearthException(Errno.ENODATA, "no such xattr");
    }
    long total =
        Xattrs.totalBytes(ctx.txn(), node.ino)
            - (old == null ? 0 : nameBytes + old.length)
            + nameBytes
            + s.getValue().size();
    if (total > Limits.XATTR_TOTAL_MAX_BYTES) {
      throw new HearthException(
          Errno.ENOSPC, "xattrs of inode " + node.ino + " would hold " + total + " bytes");
    }
    ctx.txn().put(t.key(), s.getValue().toByteArray());
    Xattrs.touch(ctx, node);
    return MetaOps.ok();
  }

  @Override
  public boolean readOnly() {
    return false;
  }
}
