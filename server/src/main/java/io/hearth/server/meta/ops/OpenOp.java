package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.OpenReply;
import io.hearth.protocol.meta.OpenReq;
import io.hearth.protocol.posix.OpenRule;
import io.hearth.server.meta.store.InodeRecord;

/**
 * open(2) as one step, in Linux's order (path_openat, do_open): resolve the path (the last symlink
 * followed unless O_NOFOLLOW, or O_CREAT with O_EXCL); with O_CREAT create a regular file where the
 * name is missing (EEXIST with O_EXCL when it is not), a dangling symlink creating its target as
 * Linux does; then may_open ({@link OpenRule#mayOpen}: a file this open created is the creator's
 * whatever its mode); then O_TRUNC of an existing regular file to 0 bytes (mtime and ctime change,
 * and setuid/setgid go unless root truncates). Atomic: another client sees the file before or after
 * the whole open, never a created but not yet truncated or a checked but since changed one.
 *
 * <p>Without O_CREAT and O_TRUNC it writes nothing and is served as a linearizable read.
 */
final class OpenOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    OpenReq q = req.getOpen();
    int flags = q.getFlags();
    boolean creat = (flags & OpenRule.O_CREAT) != 0;
    boolean excl = creat && (flags & OpenRule.O_EXCL) != 0;
    if (ctx.readOnly() && OpenRule.changes(flags)) {
      throw new HearthException(Errno.EINVAL, "an open with O_CREAT or O_TRUNC is a write");
    }
    InodeRecord node;
    boolean created = false;
    if (creat && q.getLoc().getNamesCount() > 0) {
      Resolver.Resolved r = Resolver.resolve(ctx, q.getLoc(), OpenRule.followsLast(flags));
      if (r.node() != null) {
        if (excl) {
          throw new HearthException(Errno.EEXIST, "exists: inode " + r.node().ino);
        }
        node = r.node();
      } else {
        InodeRecord parent = CreateChecks.parentForNewName(ctx, r);
        node =
            Namespace.newInode(
                ctx, parent, FileMode.S_IFREG | (q.getMode() & FileMode.PERM_MASK), 0);
        Namespace.saveLinked(ctx, parent, r.name(), node);
        created = true;
      }
    } else {
      node = Resolver.existing(ctx, q.getLoc(), OpenRule.followsLast(flags));
      if (excl) {
        throw new HearthException(Errno.EEXIST, "exists: inode " + node.ino);
      }
    }
    if (node.nlink == 0 && !ctx.claims().holds(ctx.session(), node.ino)) {
      // its last name went before this session opened it: as a lookup after the unlink would
      throw new HearthException(Errno.ENOENT, "inode " + node.ino + " was removed");
    }
    OpenRule.mayOpen(node.toAttr(), ctx.caller(), flags, created);
    if ((flags & OpenRule.O_TRUNC) != 0 && !created && FileMode.isRegular(node.mode)) {
      truncate(ctx, node);
    }
    if (ctx.session() != 0 && FileMode.isRegular(node.mode)) {
      ctx.effects().add(new Effects.Opened(ctx.session(), node.ino, q.getClaim()));
    }
    return MetaReply.newBuilder()
        .setOpen(OpenReply.newBuilder().setAttr(node.toAttr()).setCreated(created))
        .build();
  }

  /** handle_truncate: to 0 bytes, as a truncate(2) by the opener. */
  private static void truncate(OpContext ctx, InodeRecord node) {
    if (node.size > 0) {
      ChunkMap map = new ChunkMap(ctx.txn());
      map.truncate(node.ino, 0);
      map.settle();
      node.size = 0;
      node.dataVersion = ctx.index();
    }
    node.mtimeNs = ctx.nowNs();
    node.ctimeNs = ctx.nowNs();
    if (!ctx.isRoot()) {
      node.mode = FileMode.dropPrivileges(node.mode);
    }
    Namespace.save(ctx.txn(), node);
  }

  @Override
  public boolean readOnly() {
    return false;
  }

  @Override
  public boolean readOnly(MetaRequest req) {
    return !OpenRule.changes(req.getOpen().getFlags());
  }
}
