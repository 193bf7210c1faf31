package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Names;
import io.hearth.server.meta.store.Dentry;
import io.hearth.server.meta.store.InodeRecord;
import io.hearth.server.meta.store.KeySchema;
import io.hearth.server.meta.store.MetaStore;
import io.hearth.server.meta.store.Txn;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads and writes of inodes and entries through one operation's {@link Txn}. */
public final class Namespace {
  private Namespace() {}

  /** The inode, or ENOENT when no inode has that number (a stale handle, a bad request). */
  public static InodeRecord load(Txn txn, long ino) throws HearthException {
    byte[] v = txn.get(KeySchema.inode(ino));
    if (v == null) {
      throw new HearthException(Errno.ENOENT, "no inode " + Long.toUnsignedString(ino));
    }
    return InodeRecord.decode(ino, v);
  }

  /** The inode an entry points at, which must exist: a dangling entry is a broken invariant. */
  public static InodeRecord loadLinked(Txn txn, Dentry d) {
    byte[] v = txn.get(KeySchema.inode(d.ino()));
    if (v == null) {
      throw new IllegalStateException(
          "entry " + Names.toString(d.name()) + " points at missing inode " + d.ino());
    }
    return InodeRecord.decode(d.ino(), v);
  }

  public static void save(Txn txn, InodeRecord r) {
    txn.put(KeySchema.inode(r.ino), r.encode());
  }

  public static Dentry entry(Txn txn, long parent, byte[] name) {
    byte[] v = txn.get(KeySchema.dentry(parent, name));
    return v == null ? null : Dentry.decodeValue(name, v);
  }

  public static void addEntry(Txn txn, long parent, Dentry d) {
    txn.put(KeySchema.dentry(parent, d.name()), d.encodeValue());
    txn.put(KeySchema.dirOrder(parent, d.cookie()), d.encodeOrderValue());
  }

  public static void removeEntry(Txn txn, long parent, Dentry d) {
    txn.delete(KeySchema.dentry(parent, d.name()));
    txn.delete(KeySchema.dirOrder(parent, d.cookie()));
  }

  public static boolean isEmptyDir(Txn txn, long ino) {
    return !txn.anyWithPrefix(KeySchema.dentryPrefix(ino));
  }

  /**
   * A new inode owned by the caller, times set to now. The group is the caller's, or the parent's
   * when the parent is setgid (and a new directory then inherits setgid too).
   */
  public static InodeRecord newInode(OpContext ctx, InodeRecord parent, int mode, long rdev) {
    InodeRecord r = new InodeRecord();
    r.ino = ctx.newId();
    r.uid = ctx.caller().getUid();
    r.gid = ctx.caller().getGid();
    if ((parent.mode & FileMode.S_ISGID) != 0) {
      r.gid = parent.gid;
      if (FileMode.isDir(mode)) {
        mode |= FileMode.S_ISGID;
      }
    }
    if (!FileMode.isDir(mode)
        && (mode & FileMode.S_ISGID) != 0
        && !ctx.isRoot()
        && !Permissions.inGroup(ctx.caller(), r.gid)) {
      mode &= ~FileMode.S_ISGID;
    }
    r.mode = mode;
    r.rdev = rdev;
    r.nlink = FileMode.isDir(mode) ? 2 : 1;
    r.parent = FileMode.isDir(mode) ? parent.ino : 0;
    r.atimeNs = r.mtimeNs = r.ctimeNs = ctx.nowNs();
    adjustInodeCount(ctx.txn(), +1);
    return r;
  }

  /**
   * Removes an inode that no entry refers to any more, with its xattrs and its chunk map (every
   * block it referred to loses a reference). This is the only place an inode goes, so nothing it
   * held can leak. A file still open somewhere loses its contents here too: keeping an open
   * unlinked file readable is the client's business (its VFS layer, not written yet).
   */
  public static void deleteInode(Txn txn, InodeRecord r) {
    txn.delete(KeySchema.inode(r.ino));
    for (Map.Entry<byte[], byte[]> x :
        txn.scan(KeySchema.xattrPrefix(r.ino), null, Integer.MAX_VALUE)) {
      txn.delete(x.getKey());
    }
    if (FileMode.isRegular(r.mode)) {
      ChunkMap map = new ChunkMap(txn);
      map.dropAll(r.ino);
      map.settle();
    }
    adjustInodeCount(txn, -1);
  }

  /**
   * Drops one link of {@code r}; ctime changes. A regular file whose last name goes becomes an
   * orphan ('R', nlink 0, contents kept): a session may have it open, and the meta leader deletes
   * it once none does ({@link #releaseOrphan}). Any other inode goes at once.
   */
  public static void dropLink(OpContext ctx, InodeRecord r) {
    r.nlink--;
    r.ctimeNs = ctx.nowNs();
    if (r.nlink <= 0 && FileMode.isRegular(r.mode)) {
      r.nlink = 0;
      save(ctx.txn(), r);
      ctx.txn().put(KeySchema.orphan(r.ino), MetaStore.longBytes(ctx.nowNs()));
    } else if (r.nlink <= 0 || r.isDir()) {
      deleteInode(ctx.txn(), r);
    } else {
      save(ctx.txn(), r);
    }
  }

  /** Up to {@code max} orphans, in inode order. */
  public static List<Long> orphans(Txn txn, int max) {
    List<Long> out = new ArrayList<>();
    for (Map.Entry<byte[], byte[]> e : txn.scan(KeySchema.ORPHAN_PREFIX, null, max)) {
      out.add(KeySchema.u64At1(e.getKey()));
    }
    return out;
  }

  /** No one holds an orphan open any more: it is deleted with its contents. False if no orphan. */
  public static boolean releaseOrphan(Txn txn, long ino) throws HearthException {
    byte[] key = KeySchema.orphan(ino);
    if (txn.get(key) == null) {
      return false;
    }
    txn.delete(key);
    InodeRecord r = load(txn, ino);
    if (r.nlink == 0) {
      deleteInode(txn, r);
    }
    return true;
  }

  /**
   * Adds {@code name -> node} to {@code parent} under a fresh cookie, so that a paged listing
   * already past the old cookies still sees it; the caller saves {@code parent}.
   */
  public static void addName(OpContext ctx, InodeRecord parent, byte[] name, InodeRecord node) {
    addEntry(ctx.txn(), parent.ino, new Dentry(name, node.ino, node.type(), ctx.newId()));
    touchDir(ctx, parent);
  }

  /** Saves a new or newly linked {@code node} under {@code name} in {@code parent}, and both. */
  public static void saveLinked(OpContext ctx, InodeRecord parent, byte[] name, InodeRecord node) {
    save(ctx.txn(), node);
    addName(ctx, parent, name, node);
    save(ctx.txn(), parent);
  }

  /** Removes {@code name} from {@code parent}; the caller saves {@code parent}. */
  public static void removeName(OpContext ctx, InodeRecord parent, byte[] name) {
    Dentry d = entry(ctx.txn(), parent.ino, name);
    if (d == null) {
      throw new IllegalStateException("no entry " + Names.toString(name) + " in " + parent.ino);
    }
    removeEntry(ctx.txn(), parent.ino, d);
    touchDir(ctx, parent);
  }

  /** A directory's mtime and ctime change when its entries change. */
  public static void touchDir(OpContext ctx, InodeRecord dir) {
    dir.mtimeNs = ctx.nowNs();
    dir.ctimeNs = ctx.nowNs();
  }

  public static long inodeCount(Txn txn) {
    byte[] v = txn.get(KeySchema.INODE_COUNT);
    return v == null ? 0 : ByteBuffer.wrap(v).getLong();
  }

  private static void adjustInodeCount(Txn txn, long delta) {
    txn.put(KeySchema.INODE_COUNT, MetaStore.longBytes(inodeCount(txn) + delta));
  }
}
