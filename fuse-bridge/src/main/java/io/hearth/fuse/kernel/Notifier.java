package io.hearth.fuse.kernel;

import io.hearth.fuse.kernel.Layout.NotifyDeleteOut;
import io.hearth.fuse.kernel.Layout.NotifyInvalEntryOut;
import io.hearth.fuse.kernel.Layout.NotifyInvalInodeOut;
import io.hearth.fuse.kernel.Layout.NotifyStoreOut;
import io.hearth.fuse.kernel.Layout.OutHeader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Supplier;

/**
 * Pushes cache changes into the kernel: a notification is a write to /dev/fuse with unique 0 and
 * the notify code where a reply has its error. Each returns 0, or -errno: ENOENT when the kernel
 * holds nothing for that node or name (nothing to drop, not a failure), ENOSYS before the kernel
 * speaks the minor the notification needs.
 *
 * <p>Threads: any thread, serialized here. Never from a request thread while it serves a request on
 * the same directory or node: the kernel takes the locks that request holds, and both wait forever
 * (libfuse's notify_inval_entry has the same rule).
 */
public final class Notifier {
  /** Names longer than this are never in the kernel's cache (NAME_MAX). */
  static final int NAME_MAX = 255;

  private final Channel ch;
  private final Supplier<Connection> conn;
  private final Reply out;

  Notifier(Channel ch, Supplier<Connection> conn, int storeMax) {
    this.ch = ch;
    this.conn = conn;
    this.out = new Reply(Arena.ofAuto().allocate(OutHeader.SIZE + NotifyStoreOut.SIZE + storeMax));
  }

  private boolean speaks(int minor) {
    Connection c = conn.get();
    return c != null && c.minor() >= minor;
  }

  private int send(int code, int payload) {
    int total = out.header(0, code, payload);
    int r = ch.write(out.buffer(), total);
    return r < 0 ? r : 0;
  }

  /**
   * Drops the kernel's cached attributes of {@code nodeId} and its pages from {@code offset} for
   * {@code length} bytes (0: to the end of the file); {@code offset} -1 drops the attributes only.
   */
  public synchronized int invalInode(long nodeId, long offset, long length) {
    if (!speaks(12)) {
      return -Errnos.ENOSYS;
    }
    out.u64(NotifyInvalInodeOut.INO, nodeId);
    out.u64(NotifyInvalInodeOut.OFF, offset);
    out.u64(NotifyInvalInodeOut.LEN, length);
    return send(FuseAbi.NOTIFY_INVAL_INODE, NotifyInvalInodeOut.SIZE);
  }

  /**
   * Drops the kernel's entry {@code name} in {@code parent} (and the negative entry, if that is
   * what it holds). {@code expireOnly}: mark it expired instead, so that it is looked up again but
   * kept meanwhile (7.38 with HAS_EXPIRE_ONLY; else it is dropped).
   */
  public synchronized int invalEntry(long parent, byte[] name, boolean expireOnly) {
    if (!speaks(12)) {
      return -Errnos.ENOSYS;
    }
    if (name.length > NAME_MAX) {
      return -Errnos.ENAMETOOLONG;
    }
    Connection c = conn.get();
    boolean expire =
        expireOnly && c.minor() >= 38 && (c.kernelFlags() & FuseAbi.HAS_EXPIRE_ONLY) != 0;
    out.u64(NotifyInvalEntryOut.PARENT, parent);
    out.u32(NotifyInvalEntryOut.NAMELEN, name.length);
    out.u32(NotifyInvalEntryOut.FLAGS, expire ? FuseAbi.EXPIRE_ONLY : 0);
    out.bytes(NotifyInvalEntryOut.SIZE, name);
    out.zero(NotifyInvalEntryOut.SIZE + name.length, 1);
    return send(FuseAbi.NOTIFY_INVAL_ENTRY, NotifyInvalEntryOut.SIZE + name.length + 1);
  }

  /**
   * The entry {@code name} in {@code parent}, naming {@code child}, was deleted: the kernel drops
   * it and, if it was the child's last name, marks the child's inode unlinked (7.18).
   */
  public synchronized int delete(long parent, long child, byte[] name) {
    if (!speaks(18)) {
      return -Errnos.ENOSYS;
    }
    if (name.length > NAME_MAX) {
      return -Errnos.ENAMETOOLONG;
    }
    out.u64(NotifyDeleteOut.PARENT, parent);
    out.u64(NotifyDeleteOut.CHILD, child);
    out.u32(NotifyDeleteOut.NAMELEN, name.length);
    out.u32(NotifyDeleteOut.NAMELEN + 4, 0);
    out.bytes(NotifyDeleteOut.SIZE, name);
    out.zero(NotifyDeleteOut.SIZE + name.length, 1);
    return send(FuseAbi.NOTIFY_DELETE, NotifyDeleteOut.SIZE + name.length + 1);
  }

  /** Puts {@code data} into the kernel's page cache of {@code nodeId} at {@code offset} (7.15). */
  public synchronized int store(long nodeId, long offset, MemorySegment data) {
    if (!speaks(15)) {
      return -Errnos.ENOSYS;
    }
    if (data.byteSize() > out.capacity() - NotifyStoreOut.SIZE) {
      return -Errnos.EFBIG;
    }
    out.u64(NotifyStoreOut.NODEID, nodeId);
    out.u64(NotifyStoreOut.OFFSET, offset);
    out.u32(NotifyStoreOut.SIZE_, (int) data.byteSize());
    out.u32(NotifyStoreOut.SIZE_ + 4, 0);
    MemorySegment.copy(
        data, 0, out.payload(NotifyStoreOut.SIZE, (int) data.byteSize()), 0, data.byteSize());
    return send(FuseAbi.NOTIFY_STORE, NotifyStoreOut.SIZE + (int) data.byteSize());
  }
}
