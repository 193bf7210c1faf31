package io.hearth.server.meta.ops;

import io.hearth.protocol.HearthException;
import io.hearth.server.meta.store.Dentry;
import io.hearth.server.meta.store.InodeRecord;
import io.hearth.server.meta.store.KeySchema;

/** The writes of a rename, once every check has passed. */
final class RenameMoves {
  /** Deeper than any real tree; a longer walk up means the parent pointers form a cycle. */
  private static final int DEPTH_MAX = 1 << 20;

  private RenameMoves() {}

  /** Whether {@code dir} is {@code node} or lies below it, by the parent pointers. */
  static boolean isAncestorOrSelf(OpContext ctx, InodeRecord node, InodeRecord dir)
      throws HearthException {
    if (!node.isDir()) {
      return false;
    }
    InodeRecord cur = dir;
    for (int i = 0; i < DEPTH_MAX; i++) {
      if (cur.ino == node.ino) {
        return true;
      }
      if (cur.ino == KeySchema.ROOT_INO) {
        return false;
      }
      cur = Namespace.load(ctx.txn(), cur.parent);
    }
    throw new IllegalStateException("parent pointers of inode " + dir.ino + " form a cycle");
  }

  /** Moves {@code src} to {@code toName}, replacing {@code dst} (null if absent). */
  static void move(
      OpContext ctx,
      InodeRecord oldDir,
      byte[] fromName,
      InodeRecord src,
      InodeRecord newDir,
      byte[] toName,
      InodeRecord dst) {
    Namespace.removeName(ctx, oldDir, fromName);
    if (dst != null) {
      Namespace.removeName(ctx, newDir, toName);
      if (dst.isDir()) {
        newDir.nlink--; // the replaced directory's ".."
      }
      Namespace.dropLink(ctx, dst);
    }
    Namespace.addName(ctx, newDir, toName, src);
    if (src.isDir() && oldDir != newDir) {
      moveDotDot(src, oldDir, newDir);
    }
    src.ctimeNs = ctx.nowNs();
    saveAll(ctx, src, oldDir, newDir);
  }

  /** Swaps the inodes two names point at; each name keeps its cookie, so listings stay put. */
  static void exchange(
      OpContext ctx,
      InodeRecord oldDir,
      byte[] fromName,
      InodeRecord src,
      InodeRecord newDir,
      byte[] toName,
      InodeRecord dst) {
    repoint(ctx, oldDir, fromName, dst);
    repoint(ctx, newDir, toName, src);
    if (oldDir != newDir) {
      if (src.isDir()) {
        moveDotDot(src, oldDir, newDir);
      }
      if (dst.isDir()) {
        moveDotDot(dst, newDir, oldDir);
      }
    }
    src.ctimeNs = ctx.nowNs();
    dst.ctimeNs = ctx.nowNs();
    saveAll(ctx, src, dst, oldDir, newDir);
  }

  private static void repoint(OpContext ctx, InodeRecord dir, byte[] name, InodeRecord node) {
    Dentry old = Namespace.entry(ctx.txn(), dir.ino, name);
    if (old == null) {
      throw new IllegalStateException("no entry to exchange in " + dir.ino);
    }
    Namespace.addEntry(ctx.txn(), dir.ino, new Dentry(name, node.ino, node.type(), old.cookie()));
    Namespace.touchDir(ctx, dir);
  }

  private static void moveDotDot(InodeRecord dir, InodeRecord from, InodeRecord to) {
    from.nlink--;
    to.nlink++;
    dir.parent = to.ino;
  }

  private static void saveAll(OpContext ctx, InodeRecord... records) {
    for (InodeRecord r : records) {
      Namespace.save(ctx.txn(), r);
    }
  }
}
