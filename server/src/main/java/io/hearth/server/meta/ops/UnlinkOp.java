package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.server.meta.store.InodeRecord;

/**
 * unlink: removes a non-directory's entry; the inode loses a link (and its ctime changes) and goes
 * when it has none left (a regular file as an orphan first, see {@link Namespace#dropLink}). The
 * parent's mtime and ctime change.
 */
final class UnlinkOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    Resolver.Resolved r = RemoveChecks.entry(ctx, req.getUnlink().getLoc(), Errno.EISDIR);
    if (r.isDotOrDotDot()) {
      // Linux refuses "." and ".." before looking at what they name
      throw new HearthException(Errno.EISDIR, "cannot unlink . or ..");
    }
    InodeRecord node = RemoveChecks.victim(ctx, r);
    RemoveChecks.checkType(node, false);
    InodeRecord parent = r.parent();
    Namespace.removeName(ctx, parent, r.name());
    Namespace.save(ctx.txn(), parent);
    Namespace.dropLink(ctx, node);
    return MetaOps.ok();
  }

  @Override
  public boolean readOnly() {
    return false;
  }
}
