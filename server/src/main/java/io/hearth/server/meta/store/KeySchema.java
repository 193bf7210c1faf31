package io.hearth.server.meta.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Every RocksDB key the namespace uses, in one place; docs/key-schema.md describes the same layout.
 * Integers are big-endian so that RocksDB's bytewise order is numeric order.
 *
 * <pre>
 * 'I' ino:u64                  -> InodeRecord         one per inode
 * 'D' parent:u64 name          -> DentryValue         lookup of a name in a directory
 * 'E' parent:u64 cookie:u64    -> DirOrderValue       the same entries in readdir order (stable cookies)
 * 'X' ino:u64 name             -> value bytes         extended attributes
 * 'F' ino:u64 file_off:u64      -> ExtentRecord        file bytes [file_off, +len): in a block, or inline
 * 'B' group:u32 id:u64         -> refs:u64            extents referring to a block (absent: none)
 * 'Q' group:u32 id:u64         -> empty               blocks no extent refers to, waiting for GC
 * 'R' ino:u64                  -> time:i64            an orphan: no name left, kept while a session has it open
 * 'S' session:u64              -> SessionInfo         an open client session
 * 'K' ino:u64 kind:u8          -> LockList            the file's locks (kind 0 POSIX, 1 flock)
 * 'k' session:u64 ino kind     -> empty               the files a session holds locks on
 * 'W' ino:u64 kind:u8 id:u64   -> LockEntry           a waiter, in arrival (id) order
 * 'w' session:u64 id:u64       -> ino:u64 kind:u8     a session's waiters
 * 'L' ino:u64                  -> session:u64         a lease on the file's locks
 * 'l' session:u64 ino:u64      -> empty               a session's leases
 * 'M' "applied"                -> term:u64 index:u64  last applied log entry (written in every batch)
 * 'M' "inodes"                 -> count:u64           inodes in use, for statfs
 * 'M' "cluster"                -> ClusterMap          servers and data groups (absent: from config)
 * </pre>
 */
public final class KeySchema {
  public static final byte INODE = 'I';
  public static final byte DENTRY = 'D';
  public static final byte DIR_ORDER = 'E';
  public static final byte XATTR = 'X';
  public static final byte META = 'M';
  public static final byte EXTENT = 'F';
  public static final byte BLOCK_REFS = 'B';
  public static final byte GC_QUEUE = 'Q';
  public static final byte ORPHAN = 'R';
  public static final byte SESSION = 'S';
  public static final byte LOCKS = 'K';
  public static final byte SESSION_LOCKS = 'k';
  public static final byte WAITER = 'W';
  public static final byte SESSION_WAITERS = 'w';
  public static final byte LEASE = 'L';
  public static final byte SESSION_LEASES = 'l';

  public static final byte[] ORPHAN_PREFIX = {ORPHAN};
  public static final byte[] SESSION_PREFIX = {SESSION};

  /** The prefix of every GC queue key. */
  public static final byte[] GC_QUEUE_PREFIX = {GC_QUEUE};

  public static final byte[] APPLIED = meta("applied");
  public static final byte[] INODE_COUNT = meta("inodes");
  public static final byte[] CLUSTER_MAP = meta("cluster");

  /** The root directory's inode number. */
  public static final long ROOT_INO = 1;

  private KeySchema() {}

  public static byte[] inode(long ino) {
    return ByteBuffer.allocate(9).put(INODE).putLong(ino).array();
  }

  public static byte[] dentry(long parent, byte[] name) {
    return ByteBuffer.allocate(9 + name.length).put(DENTRY).putLong(parent).put(name).array();
  }

  public static byte[] dentryPrefix(long parent) {
    return ByteBuffer.allocate(9).put(DENTRY).putLong(parent).array();
  }

  public static byte[] dirOrder(long parent, long cookie) {
    return ByteBuffer.allocate(17).put(DIR_ORDER).putLong(parent).putLong(cookie).array();
  }

  public static byte[] dirOrderPrefix(long parent) {
    return ByteBuffer.allocate(9).put(DIR_ORDER).putLong(parent).array();
  }

  /** The cookie part of a dirOrder key. */
  public static long dirOrderCookie(byte[] key) {
    return ByteBuffer.wrap(key, 9, 8).getLong();
  }

  public static byte[] xattr(long ino, byte[] name) {
    return ByteBuffer.allocate(9 + name.length).put(XATTR).putLong(ino).put(name).array();
  }

  public static byte[] xattrPrefix(long ino) {
    return ByteBuffer.allocate(9).put(XATTR).putLong(ino).array();
  }

  /** The name part of an xattr or dentry key. */
  public static byte[] nameOf(byte[] key) {
    byte[] name = new byte[key.length - 9];
    System.arraycopy(key, 9, name, 0, name.length);
    return name;
  }

  public static byte[] orphan(long ino) {
    return ByteBuffer.allocate(9).put(ORPHAN).putLong(ino).array();
  }

  /** The inode of an orphan, session, lease or locks key: the u64 after the kind byte. */
  public static long u64At1(byte[] key) {
    return ByteBuffer.wrap(key, 1, 8).getLong();
  }

  public static byte[] session(long session) {
    return ByteBuffer.allocate(9).put(SESSION).putLong(session).array();
  }

  public static byte[] locks(long ino, int kind) {
    return ByteBuffer.allocate(10).put(LOCKS).putLong(ino).put((byte) kind).array();
  }

  public static byte[] sessionLocks(long session, long ino, int kind) {
    return ByteBuffer.allocate(18)
        .put(SESSION_LOCKS)
        .putLong(session)
        .putLong(ino)
        .put((byte) kind)
        .array();
  }

  public static byte[] sessionLocksPrefix(long session) {
    return ByteBuffer.allocate(9).put(SESSION_LOCKS).putLong(session).array();
  }

  public static byte[] waiter(long ino, int kind, long id) {
    return ByteBuffer.allocate(18).put(WAITER).putLong(ino).put((byte) kind).putLong(id).array();
  }

  public static byte[] waitersPrefix(long ino, int kind) {
    return ByteBuffer.allocate(10).put(WAITER).putLong(ino).put((byte) kind).array();
  }

  /** The id part of a waiter key. */
  public static long waiterId(byte[] key) {
    return ByteBuffer.wrap(key, 10, 8).getLong();
  }

  public static byte[] sessionWaiter(long session, long id) {
    return ByteBuffer.allocate(17).put(SESSION_WAITERS).putLong(session).putLong(id).array();
  }

  public static byte[] sessionWaitersPrefix(long session) {
    return ByteBuffer.allocate(9).put(SESSION_WAITERS).putLong(session).array();
  }

  public static byte[] lease(long ino) {
    return ByteBuffer.allocate(9).put(LEASE).putLong(ino).array();
  }

  public static byte[] sessionLease(long session, long ino) {
    return ByteBuffer.allocate(17).put(SESSION_LEASES).putLong(session).putLong(ino).array();
  }

  public static byte[] sessionLeasesPrefix(long session) {
    return ByteBuffer.allocate(9).put(SESSION_LEASES).putLong(session).array();
  }

  /** The second u64 of a two-id key (a session index's inode or waiter id). */
  public static long u64At9(byte[] key) {
    return ByteBuffer.wrap(key, 9, 8).getLong();
  }

  public static byte[] extent(long ino, long fileOff) {
    return ByteBuffer.allocate(17).put(EXTENT).putLong(ino).putLong(fileOff).array();
  }

  public static byte[] extentPrefix(long ino) {
    return ByteBuffer.allocate(9).put(EXTENT).putLong(ino).array();
  }

  /** The file offset part of an extent key. */
  public static long extentFileOff(byte[] key) {
    return ByteBuffer.wrap(key, 9, 8).getLong();
  }

  public static byte[] blockRefs(int group, long id) {
    return block(BLOCK_REFS, group, id);
  }

  public static byte[] gcQueue(int group, long id) {
    return block(GC_QUEUE, group, id);
  }

  /** The group part of a block refs or GC queue key. */
  public static int blockGroup(byte[] key) {
    return ByteBuffer.wrap(key, 1, 4).getInt();
  }

  /** The id part of a block refs or GC queue key. */
  public static long blockId(byte[] key) {
    return ByteBuffer.wrap(key, 5, 8).getLong();
  }

  private static byte[] block(byte kind, int group, long id) {
    return ByteBuffer.allocate(13).put(kind).putInt(group).putLong(id).array();
  }

  private static byte[] meta(String name) {
    byte[] n = name.getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocate(1 + n.length).put(META).put(n).array();
  }

  /** The smallest key greater than every key that starts with {@code prefix}. */
  public static byte[] prefixEnd(byte[] prefix) {
    byte[] end = prefix.clone();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        byte[] cut = new byte[i + 1];
        System.arraycopy(end, 0, cut, 0, i + 1);
        return cut;
      }
    }
    return null;
  }
}
