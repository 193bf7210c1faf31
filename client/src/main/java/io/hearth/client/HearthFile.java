package io.hearth.client;

import io.hearth.client.vfs.OpenInode;
import io.hearth.client.vfs.Vfs;
import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.Loc;
import io.hearth.protocol.meta.OpenReply;
import io.hearth.protocol.meta.SetattrReq;
import io.hearth.protocol.posix.OpenRule;
import io.hearth.rpc.Futures;
import java.nio.ByteBuffer;

/**
 * An open regular file: a handle with a position, like a file descriptor. Reads see everything
 * written through any handle of the same client; {@link #close} and {@link #fsync} return only once
 * what was written is durable on a majority of servers and visible to every client that opens the
 * file afterwards (close-to-open).
 *
 * <p>Not thread-safe for the position (like a shared fd); {@link #pread} and {@link #pwrite} may be
 * used from several threads.
 */
public final class HearthFile implements AutoCloseable {
  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_RDWR = 2;
  public static final int O_ACCMODE = 3;
  public static final int O_CREAT = 0100;
  public static final int O_EXCL = 0200;
  public static final int O_TRUNC = 01000;
  public static final int O_APPEND = 02000;
  public static final int O_DIRECTORY = OpenRule.O_DIRECTORY;
  public static final int O_NOFOLLOW = OpenRule.O_NOFOLLOW;

  private final NamespaceCalls client;

  /** Whose writes this handle's are: the process that opened it. */
  private final io.hearth.protocol.meta.Caller opener;

  private final Vfs vfs;
  private final OpenInode node;
  private final int flags;
  private final Stat atOpen;
  private final long dataVersionAtOpen;
  private long position;
  private volatile long lastReadEnd; // a first read from offset 0 counts as sequential
  private volatile boolean closed;

  HearthFile(NamespaceCalls client, Vfs vfs, OpenInode node, int flags, Stat atOpen, long version) {
    this.dataVersionAtOpen = version;
    this.client = client;
    this.opener = client.credentials().toCaller();
    this.vfs = vfs;
    this.node = node;
    this.flags = flags;
    this.atOpen = atOpen;
  }

  /**
   * The attributes the namespace gave when this file was opened (or created, or truncated by the
   * open), with no round trip; {@link #stat} asks again.
   */
  public Stat statAtOpen() {
    return atOpen;
  }

  /**
   * open(2) on a path: see {@link HearthClient#open}. One request decides it all (OpenOp): a read
   * for a plain open, one log entry with O_CREAT or O_TRUNC.
   */
  static HearthFile open(NamespaceCalls client, Loc loc, String what, int flags, int mode)
      throws HearthException {
    if ((flags & O_ACCMODE) == O_ACCMODE) {
      throw new HearthException(Errno.EINVAL, "access mode 3");
    }
    OpenReply opened = client.open(loc, flags & OpenRule.KNOWN, mode);
    Stat st = Stat.of(opened.getAttr());
    if (st.isDir()) {
      throw new HearthException(Errno.EISDIR, what);
    }
    if (!FileMode.isRegular(st.mode())) {
      throw new HearthException(Errno.EINVAL, what + " is not a regular file");
    }
    Vfs vfs = client.files().get();
    OpenInode node = vfs.acquire(opened.getAttr(), client.credentials().toCaller());
    if ((flags & O_TRUNC) != 0 && !opened.getCreated()) {
      node.observe(opened.getAttr()); // another handle of this client may have the old size
    }
    return new HearthFile(client, vfs, node, flags, st, opened.getAttr().getDataVersion());
  }

  /**
   * The contents' version when the file was opened (the namespace's data version): two opens with
   * the same version saw the same bytes, so a cache of them (the kernel's page cache) may be kept.
   */
  public long dataVersionAtOpen() {
    return dataVersionAtOpen;
  }

  public long ino() {
    return node.ino();
  }

  /** The file's size as this client sees it (including what it wrote and has not flushed). */
  public long size() throws HearthException {
    checkOpen();
    return node.size();
  }

  public long position() {
    return position;
  }

  public void position(long p) throws HearthException {
    if (p < 0) {
      throw new HearthException(Errno.EINVAL, "negative position");
    }
    position = p;
  }

  /** Reads at the position and advances it; returns the count, or -1 at the end of the file. */
  public int read(ByteBuffer dst) throws HearthException {
    int n = pread(dst, position);
    if (n > 0) {
      position += n;
    }
    return n;
  }

  /** pread(2): reads at {@code off} without moving the position; -1 at or past the end. */
  public int pread(ByteBuffer dst, long off) throws HearthException {
    checkOpen();
    if ((flags & O_ACCMODE) == O_WRONLY) {
      throw new HearthException(Errno.EBADF, "file not open for reading");
    }
    int len = dst.remaining();
    byte[] buf = dst.hasArray() ? dst.array() : scratch(len);
    int at = dst.hasArray() ? dst.arrayOffset() + dst.position() : 0;
    // Where the last read ended is sequential; so is a large read near it: the kernel's readahead
    // sends a mount's 128 KiB-1 MiB reads from several threads at once, a little out of order. A
    // small read elsewhere is random and fetches exactly its bytes.
    long gap = Math.abs(off - lastReadEnd);
    boolean sequential =
        gap == 0 || (len >= SEQUENTIAL_READ_MIN_BYTES && gap <= SEQUENTIAL_WINDOW_BYTES);
    int n = node.read(off, buf, at, len, sequential);
    if (n > 0) {
      if (!dst.hasArray()) {
        dst.put(buf, 0, n);
      } else {
        dst.position(dst.position() + n);
      }
      lastReadEnd = off + n;
    }
    return n;
  }

  /** How far from the end of the last read a read may start and still count as sequential. */
  static final long SEQUENTIAL_WINDOW_BYTES = 4 << 20;

  /** Reads at least this large count as sequential within the window (kernel readahead sizes). */
  static final int SEQUENTIAL_READ_MIN_BYTES = 64 << 10;

  /** Reads into a direct buffer (a FUSE request's) go through this per-thread array. */
  private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[0]);

  /** Larger reads into direct buffers get a one-off array rather than pin that much per thread. */
  static final int SCRATCH_BYTES_MAX = 4 << 20;

  private static byte[] scratch(int len) {
    if (len > SCRATCH_BYTES_MAX) {
      return new byte[len];
    }
    byte[] b = SCRATCH.get();
    if (b.length < len) {
      b = new byte[Math.max(len, 128 << 10)];
      SCRATCH.set(b);
    }
    return b;
  }

  /** Writes at the position (or the end, with O_APPEND) and advances it. */
  public int write(ByteBuffer src) throws HearthException {
    checkWritable();
    int n = src.remaining();
    long at = node.write(position, src, (flags & O_APPEND) != 0, opener);
    position = at + n;
    return n;
  }

  /** pwrite(2): writes at {@code off} without moving the position. */
  public int pwrite(ByteBuffer src, long off) throws HearthException {
    checkWritable();
    int n = src.remaining();
    node.write(off, src, false, opener);
    return n;
  }

  /** ftruncate(2). */
  public void truncate(long size) throws HearthException {
    checkWritable();
    if (size < 0) {
      throw new HearthException(Errno.EINVAL, "negative size");
    }
    client.truncateOpen(node, size, true); // checkWritable: opened for writing
  }

  /**
   * fsync(2): returns once everything written is durable on a majority and in the namespace. A few
   * new bytes may be committed inline ahead of their block (see {@link OpenInode#fsync}).
   */
  public void fsync() throws HearthException {
    checkOpen();
    node.fsync();
  }

  /**
   * What close(2) does before the descriptor goes (the FUSE flush): as {@link #fsync}, but every
   * block is committed whole, so nothing of this handle's is left to commit after it.
   */
  public void flush() throws HearthException {
    checkOpen();
    node.flush();
  }

  /**
   * The file as this client shows it now (its view: what the namespace last said, with this
   * client's pending writes and waiting changes), without asking the cluster.
   */
  public Stat view() {
    return Stat.of(node.view());
  }

  public Stat stat() throws HearthException {
    checkOpen();
    return Futures.join(client.lookup(Inodes.at(node.ino()), false));
  }

  /**
   * fchmod(2). A change that takes no permission away may wait for the file's next commit (at the
   * latest its close or fsync): this client shows it at once, others once it is committed. See
   * {@link OpenInode#setattr}.
   */
  public Stat chmod(int mode) throws HearthException {
    return chmod(mode, client.credentials());
  }

  /** fchmod(2) made by a process with credentials {@code by} (a FUSE bridge's caller). */
  public Stat chmod(int mode, Credentials by) throws HearthException {
    return setattr(HearthClient.chmodChange(mode), by);
  }

  /** fchown(2); -1 leaves that id unchanged. A change to the same ids may wait, as chmod's. */
  public Stat chown(int uid, int gid) throws HearthException {
    return chown(uid, gid, client.credentials());
  }

  public Stat chown(int uid, int gid, Credentials by) throws HearthException {
    return setattr(HearthClient.chownChange(uid, gid), by);
  }

  /**
   * futimens(2): each time in ns since the epoch, or {@link HearthClient#UTIME_NOW} / {@link
   * HearthClient#UTIME_OMIT}. Waits for the next commit, as chmod's; data written after it is
   * committed after it.
   */
  public Stat utimens(long atimeNs, long mtimeNs) throws HearthException {
    return utimens(atimeNs, mtimeNs, client.credentials());
  }

  public Stat utimens(long atimeNs, long mtimeNs, Credentials by) throws HearthException {
    return setattr(HearthClient.utimensChange(atimeNs, mtimeNs), by);
  }

  private Stat setattr(SetattrReq.Builder change, Credentials by) throws HearthException {
    checkOpen();
    // Whether the change may wait is judged on the file as the namespace has it now: another
    // client may have changed its owner or mode since this one last looked.
    Attr now = client.namespaceAttr(Inodes.at(node.ino()), false);
    return Stat.of(node.setattr(change.build(), by.toCaller(), now));
  }

  /** close(2): flushes like fsync; the handle is closed even when that fails. */
  @Override
  public void close() throws HearthException {
    if (closed) {
      return;
    }
    closed = true;
    vfs.release(node);
  }

  private void checkOpen() throws HearthException {
    if (closed) {
      throw new HearthException(Errno.EBADF, "file handle is closed");
    }
  }

  private void checkWritable() throws HearthException {
    checkOpen();
    if ((flags & O_ACCMODE) == O_RDONLY) {
      throw new HearthException(Errno.EBADF, "file not open for writing");
    }
  }
}
