package io.hearth.client.vfs;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.SetattrReq;
import io.hearth.rpc.Futures;
import java.nio.ByteBuffer;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One open file of this client, shared by every handle on the inode so that what one handle writes
 * another reads at once (POSIX within a mount). It joins three parts under one lock: the {@link
 * WritePipeline} (written bytes and waiting attribute changes on their way to the namespace), the
 * {@link AttrOverlay} with the {@link NamespaceView} (the attributes it shows: the namespace's
 * latest, with this client's uncommitted changes laid over), and the {@link ReadPath} (committed
 * bytes, with the pending ones laid over them).
 *
 * <p><b>States:</b> {@link State#OPEN} while handles hold it; {@link State#RETIRED} once the last
 * one is gone (the VFS no longer lists it): no change waits any more, each is committed at once.
 * Independently the pipeline may have FAILED (a write could not be stored): every later write,
 * flush and fsync then fails with its errno until the inode is retired.
 *
 * <p><b>Never stale:</b> every reply that carries the inode's attributes (a stat by this client, a
 * commit, a truncate) updates the view, the later (by data version) winning; when the data version
 * moved past what this client last saw (another node wrote), the cached chunk map goes. So a file
 * another node appends to is seen growing by stat and read here while this client holds it open.
 *
 * <p><b>Reads</b> take committed bytes and lay the pending bytes over them; a commit landing in
 * between is detected by the extent cache's generation and the read is redone.
 *
 * <p>Threads: callers' threads take {@link #lock}; uploads and commits run on the VFS executor; I/O
 * happens outside the lock.
 */
public final class OpenInode {
  enum State {
    OPEN,
    RETIRED
  }

  private final long ino;
  private final MetaPort meta;
  private final InstantSource clock;
  private final java.util.function.LongConsumer contentsChanged;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final NamespaceView namespace;
  private final AttrOverlay overlay = new AttrOverlay();
  private final WritePipeline pipeline;
  private final ReadPath reads;
  private final Caller caller;
  private State state = State.OPEN;
  private int handles;

  private final Fence fence;

  OpenInode(Attr attr, Caller caller, Parts parts) {
    this.ino = attr.getIno();
    this.fence = parts.fence();
    this.meta = MetaPort.fenced(parts.meta(), parts.fence(), ino);
    this.clock = parts.wallClock();
    this.contentsChanged = parts.contentsChanged();
    this.namespace = new NamespaceView(attr);
    this.caller = caller;
    ExtentCache extents = new ExtentCache(parts.meta(), ino, caller);
    this.reads = new ReadPath(extents, parts.blocks());
    this.pipeline =
        new WritePipeline(
            ino,
            caller,
            lock,
            changed,
            meta,
            parts.blocks(),
            parts.executor(),
            parts.buffers(),
            parts.monoClock(),
            new WritePipeline.Listener() {
              @Override
              public void committed(List<AttrChange> changes, Attr a) {
                overlay.committed(changes);
                namespace.observe(a);
                extents.invalidate(); // the committed bytes are read from the namespace now
              }

              @Override
              public void lost() {
                overlay.clear(); // lost with the data: the namespace's attributes show again
              }
            });
  }

  /** The machinery an open inode works with; the VFS's in production, in-memory in tests. */
  record Parts(
      MetaPort meta,
      BlockIo blocks,
      java.util.concurrent.Executor executor,
      BlockBuffers buffers,
      io.hearth.rpc.MonoClock monoClock,
      InstantSource wallClock,
      java.util.function.LongConsumer contentsChanged,
      Fence fence) {}

  public long ino() {
    return ino;
  }

  State state() {
    lock.lock();
    try {
      return state;
    } finally {
      lock.unlock();
    }
  }

  /** The size as this client sees it: the namespace's latest, grown by pending writes. */
  public long size() {
    lock.lock();
    try {
      return sizeLocked();
    } finally {
      lock.unlock();
    }
  }

  private long sizeLocked() {
    return Math.max(namespace.latest().getSize(), pipeline.pendingEnd());
  }

  void retain() {
    handles++;
  }

  /** Drops a handle; true when it was the last. Caller holds the VFS table lock. */
  boolean release() {
    return --handles == 0;
  }

  // ---- writes ----

  /**
   * Buffers {@code src} at file offset {@code off} (or at the end when {@code append}); returns the
   * offset written at.
   */
  public long write(long off, ByteBuffer src, boolean append) throws HearthException {
    return write(off, src, append, null);
  }

  /**
   * As {@link #write(long, ByteBuffer, boolean)}, by {@code writer} (null: the opener), whose
   * rights the commit carries.
   */
  public long write(long off, ByteBuffer src, boolean append, Caller writer)
      throws HearthException {
    int n = src.remaining();
    fence.sessionFor(ino); // EIO once a lock of the file was lost
    lock.lock();
    try {
      pipeline.checkError();
      if (append) {
        off = sizeLocked();
      }
      if (off < 0) {
        throw new HearthException(Errno.EINVAL, "negative offset " + off);
      }
      if (off + n > Limits.FILE_SIZE_MAX_BYTES) {
        throw new HearthException(Errno.EFBIG, "write past " + Limits.FILE_SIZE_MAX_BYTES);
      }
      pipeline.write(off, src, writer != null ? writer : caller);
      return off;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Makes everything written so far durable and visible in the namespace: what a close does. Also
   * reports, once, a waiting attribute change the namespace refused.
   *
   * @throws HearthException the errno of a write that could not be stored
   */
  public void flush() throws HearthException {
    lock.lock();
    try {
      pipeline.flush(true);
    } finally {
      lock.unlock();
    }
  }

  /**
   * As {@link #flush}, for this client's own needs (a change that must follow what waits, a
   * truncate, a permission check): a refused attribute change is left for the file's next fsync or
   * close to report.
   */
  public void commitNow() throws HearthException {
    lock.lock();
    try {
      pipeline.flush(false);
    } finally {
      lock.unlock();
    }
  }

  /** fsync(2): see {@link WritePipeline#fsync}. */
  public void fsync() throws HearthException {
    fence.sessionFor(ino); // EIO once a lock of the file was lost
    lock.lock();
    try {
      pipeline.fsync();
    } finally {
      lock.unlock();
    }
  }

  /**
   * fchmod, fchown, futimens: a change that may wait ({@link AttrChange#mayWait}) is kept for the
   * file's next commit and the attributes it will give are returned at once; any other change is
   * committed now, after everything written and changed before it.
   *
   * @param change the SetattrReq without its Loc; no size (truncate has its own path)
   * @param current the file's attributes as the namespace gave them just now (a stat's), so that
   *     whether the change may wait is judged on the owner and mode another client may have set
   *     since this one last committed
   */
  public Attr setattr(SetattrReq change, Caller by, Attr current) throws HearthException {
    long nowNs = nowNs();
    lock.lock();
    try {
      pipeline.checkError();
      namespace.observe(current);
      Attr seen = viewLocked();
      if (state == State.OPEN
          && pipeline.hasWaitingRoom()
          && AttrChange.mayWait(seen, by, change)) {
        AttrChange c = new AttrChange(change, by, nowNs);
        pipeline.addWaiting(c);
        overlay.add(c);
        return c.applyTo(seen);
      }
    } finally {
      lock.unlock();
    }
    commitNow();
    MetaReply r = Futures.join(meta.write(new AttrChange(change, by, nowNs).request(ino)));
    return observe(r.getAttr());
  }

  private long nowNs() {
    java.time.Instant t = clock.instant();
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  /**
   * Takes attributes the namespace just gave for this inode (a stat, a truncate's reply) and
   * returns the view over them: the later of them and what this client knew, with its uncommitted
   * changes and pending size.
   */
  public Attr observe(Attr a) {
    lock.lock();
    try {
      if (namespace.observe(a)) {
        reads.extents().invalidate(); // another client changed the bytes
        contentsChanged.accept(ino); // and caches above this client hold the old ones
      }
      return viewLocked();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The attributes as this client sees them: the namespace's latest, with the changes not committed
   * yet and the size of unflushed writes.
   */
  public Attr view() {
    lock.lock();
    try {
      return viewLocked();
    } finally {
      lock.unlock();
    }
  }

  private Attr viewLocked() {
    return overlay.over(namespace.latest(), pipeline.pendingEnd());
  }

  /**
   * Called once the last handle is gone (the VFS no longer lists the inode): OPEN -> RETIRED.
   * Returns true when changes still wait (made while the last handle was closing), which the caller
   * must then flush, else nothing would commit them.
   */
  boolean retire() {
    lock.lock();
    try {
      state = State.RETIRED;
      return pipeline.hasWaiting();
    } finally {
      lock.unlock();
    }
  }

  /** Whether attribute changes made here are not in the namespace yet. */
  public boolean changesWaiting() {
    lock.lock();
    try {
      return !overlay.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  // ---- reads ----

  /**
   * Reads up to {@code len} bytes at {@code off} into dst; returns the count, or -1 at or past the
   * end of the file.
   */
  public int read(long off, byte[] dst, int dstOff, int len, boolean sequential)
      throws HearthException {
    if (off < 0) {
      throw new HearthException(Errno.EINVAL, "negative offset " + off);
    }
    fence.sessionFor(ino); // EIO once a lock of the file was lost
    while (true) {
      long gen;
      long size;
      lock.lock();
      try {
        gen = reads.extents().generation();
        size = sizeLocked();
      } finally {
        lock.unlock();
      }
      int n = (int) Math.min(len, size - off);
      if (n <= 0) {
        return len == 0 ? 0 : -1;
      }
      Arrays.fill(dst, dstOff, dstOff + n, (byte) 0);
      reads.readCommitted(off, dst, dstOff, n, sequential, gen);
      lock.lock();
      try {
        if (gen != reads.extents().generation()) {
          continue; // a commit moved bytes under us: read again
        }
        pipeline.overlay(off, dst, dstOff, n);
      } finally {
        lock.unlock();
      }
      if (sequential) {
        reads.readahead(off + n, Math.min(size, off + n + ReadPath.READAHEAD_BYTES), gen);
      }
      return n;
    }
  }
}
