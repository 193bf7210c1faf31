package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.server.meta.store.InodeRecord;

/**
 * symlink: a new symbolic link holding its target verbatim (1..4095 bytes, no NUL; it need not
 * exist). Its mode is always 0777 and its size the target's length, as Linux shows them.
 */
final class SymlinkOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    var s = req.getSymlink();
    byte[] target = s.getTarget().toByteArray();
    if (target.length == 0) {
      throw new HearthException(Errno.ENOENT, "empty symlink target");
    }
    if (target.length > Limits.SYMLINK_MAX_BYTES) {
      throw new HearthException(
          Errno.ENAMETOOLONG, "symlink target of " + target.length + " bytes");
    }
    for (byte b : target) {
      if (b == 0) {
        // a C string cannot carry it, so no program could read the link back
        throw new HearthException(Errno.EINVAL, "symlink target contains NUL");
      }
    }
    Resolver.Resolved r = Resolver.parentOf(ctx, s.getLoc());
    InodeRecord parent = CreateChecks.parentForNewName(ctx, r);
    InodeRecord link = Namespace.newInode(ctx, parent, FileMode.S_IFLNK | 0777, 0);
    link.target = target;
    link.size = target.length;
    Namespace.saveLinked(ctx, parent, r.name(), link);
    return MetaOps.attr(link);
  }

  @Override
  public boolean readOnly() {
    return false;
  }
}
