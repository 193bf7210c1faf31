package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.server.meta.store.InodeRecord;

/**
 * mknod / create: a regular file, fifo, socket or device node. A type of 0 means a regular file, as
 * in mknod(2); directories are mkdir's (EPERM) and symlinks symlink's (EINVAL). Only root makes
 * devices, and only devices keep rdev.
 */
final class MknodOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    var m = req.getMknod();
    int type = FileMode.type(m.getMode());
    if (type == 0) {
      type = FileMode.S_IFREG;
    }
    // Linux checks the type before it looks at the path
    if (type == FileMode.S_IFDIR) {
      throw new HearthException(Errno.EPERM, "mknod cannot make a directory");
    }
    if (type == FileMode.S_IFLNK || !FileMode.isValidType(type)) {
      throw new HearthException(Errno.EINVAL, "mknod of type 0" + Integer.toOctalString(type));
    }
    Resolver.Resolved r = Resolver.parentOf(ctx, m.getLoc());
    InodeRecord parent = CreateChecks.parentForNewName(ctx, r);
    boolean device = type == FileMode.S_IFCHR || type == FileMode.S_IFBLK;
    if (device && !ctx.isRoot()) {
      throw new HearthException(Errno.EPERM, "only root makes device nodes");
    }
    InodeRecord node =
        Namespace.newInode(
            ctx, parent, type | (m.getMode() & FileMode.PERM_MASK), device ? m.getRdev() : 0);
    Namespace.saveLinked(ctx, parent, r.name(), node);
    return MetaOps.attr(node);
  }

  @Override
  public boolean readOnly() {
    return false;
  }
}
