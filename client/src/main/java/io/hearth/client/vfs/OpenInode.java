package io.hearth.client.vfs;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.BlockRef;
import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.meta.Extent;
import io.hearth.protocol.meta.Loc;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.SetattrReq;
import io.hearth.protocol.meta.WriteReq;
import io.hearth.rpc.Futures;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One open file of this client, shared by every handle on the inode so that what one handle writes
 * another reads at once (POSIX within a mount).
 *
 * <p><b>Writes</b> land in memory in {@link PendingBlock}s. A block that fills (4 MiB) is uploaded
 * at once; a small one sealed by a flush whose bytes all lie in a file's first 64 KiB is committed
 * inline, its bytes in the chunk-map commit itself (no upload); uploaded blocks are committed to
 * the namespace in write order, as soon as they and every block before them are uploaded. {@link
 * #flush} (close, fsync) seals the partial block and waits until everything written before it is
 * committed: when it returns, those bytes are on a majority of a data group's disks and the chunk
 * map that names them is in the meta group's log.
 *
 * <p><b>Reads</b> take committed bytes (through the cached chunk map and the block cache) and lay
 * the pending bytes over them. A commit between the two is detected by the {@link ExtentCache}
 * generation and the read is redone, so a read never misses bytes that moved from pending to
 * committed under it.
 *
 * <p><b>Errors:</b> an upload or commit that fails (after its own retries and deadline) poisons the
 * inode: the bytes not yet committed are dropped and every later write and flush fails with that
 * errno until the last handle closes, the way Linux reports writeback errors at fsync and close. A
 * waiting attribute change the namespace refuses at its commit does not poison: the data stands,
 * and the next flush reports EIO once.
 *
 * <p><b>Bounds:</b> at most {@link #PENDING_BLOCKS_MAX} sealed blocks per inode (writers wait), map
 * windows of {@link ExtentCache#WINDOW_BYTES}, readahead of {@link #READAHEAD_BYTES}.
 *
 * <p>Threads: callers' threads take {@link #lock}; uploads and commits run on the VFS executor; one
 * commit at a time per inode ({@link #committing}); block and map I/O happen outside the lock.
 */
public final class OpenInode {
  static final int PENDING_BLOCKS_MAX = 8;
  static final long READAHEAD_BYTES = 16L << 20;

  /** Attribute changes that may wait for the next commit; one more is committed at once. */
  static final int WAITING_CHANGES_MAX = 8;

  /** Most bytes of one block that {@link #fsync} commits inline before it uploads the block. */
  static final int JOURNAL_BLOCK_MAX_BYTES = 1 << 20;

  /** Longer than a block write's deadline plus a chunk-map commit's, so those fail first. */
  private static final long FLUSH_WAIT_MS = 180_000;

  private final Vfs vfs;
  private final long ino;
  private final Caller caller;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Deque<PendingBlock> sealed = new ArrayDeque<>();

  /** Blocks sealed so far, and committed so far (in the same order): flush waits on these. */
  private long sealedCount;

  private long committedCount;
  private PendingBlock open;
  private long size;
  private boolean committing;
  private HearthException error;

  /**
   * A waiting attribute change the namespace refused at its commit (another client changed the
   * file's owner or mode since): the data committed with it stands; the next flush reports it.
   */
  private HearthException changeError;

  /** Set once the last handle is gone: no change waits any more, each is committed at once. */
  private boolean retired;

  private int handles;
  private final ExtentCache extents;

  /** The attributes the namespace last gave for the inode (size aside: see {@link #size}). */
  private Attr attr;

  /** Attribute changes not committed yet, in order: the sealed blocks' then the waiting ones. */
  private final Deque<AttrChange> uncommitted = new ArrayDeque<>();

  /** The tail of {@link #uncommitted} not attached to a sealed block yet. */
  private final List<AttrChange> waiting = new ArrayList<>();

  OpenInode(Vfs vfs, Attr attr, Caller caller) {
    this.vfs = vfs;
    this.ino = attr.getIno();
    this.size = attr.getSize();
    this.attr = attr;
    this.caller = caller;
    this.extents = new ExtentCache(vfs, ino, caller);
  }

  public long ino() {
    return ino;
  }

  /** The size as this client sees it: committed, grown by pending writes. */
  public long size() {
    lock.lock();
    try {
      return size;
    } finally {
      lock.unlock();
    }
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
    int n = src.remaining();
    lock.lock();
    try {
      checkError();
      if (append) {
        off = size;
      }
      if (off < 0) {
        throw new HearthException(Errno.EINVAL, "negative offset " + off);
      }
      if (off + n > Limits.FILE_SIZE_MAX_BYTES) {
        throw new HearthException(Errno.EFBIG, "write past " + Limits.FILE_SIZE_MAX_BYTES);
      }
      if (!waiting.isEmpty()) {
        // Changes made before this write are committed before it: its mtime comes after a
        // utimens, and the setuid/setgid it drops (by anyone but root) stay dropped after a chmod.
        sealWaiting();
      }
      long at = off;
      while (src.hasRemaining()) {
        if (open == null) {
          open = new PendingBlock(vfs.buffers(), src.remaining());
        }
        int k = Math.min(src.remaining(), open.free());
        open.append(at, src, k);
        at += k;
        if (open.free() == 0) {
          sealAndUpload();
        }
      }
      size = Math.max(size, off + n);
      long deadline = System.currentTimeMillis() + FLUSH_WAIT_MS;
      while (sealed.size() >= PENDING_BLOCKS_MAX && error == null) {
        awaitUntil(deadline);
      }
      checkError();
      return off;
    } finally {
      lock.unlock();
    }
  }

  /** Caller holds the lock. */
  private void sealAndUpload() {
    PendingBlock b = open;
    open = null;
    b.then(waiting);
    waiting.clear();
    if (b.fitsInline()) {
      b.sealInline(); // a small file's bytes: one meta commit, no block
    } else {
      b.seal(vfs.upload(b.bytes()));
    }
    sealed.addLast(b);
    sealedCount++;
    b.upload().whenComplete((r, e) -> vfs.executor().execute(this::commitReady));
  }

  /**
   * Commits the uploaded blocks at the head of the queue, in order; loops while more are ready.
   * Runs on the VFS executor; at most one per inode at a time.
   */
  private void commitReady() {
    while (true) {
      List<PendingBlock> batch = new ArrayList<>();
      lock.lock();
      try {
        if (committing) {
          return;
        }
        for (PendingBlock b : sealed) {
          CompletableFuture<BlockRef> u = b.upload();
          if (!u.isDone()) {
            break;
          }
          if (u.isCompletedExceptionally()) {
            poison(Futures.failureOf(u));
            return;
          }
          batch.add(b);
        }
        if (batch.isEmpty()) {
          return;
        }
        committing = true;
      } finally {
        lock.unlock();
      }
      Committed done = null;
      HearthException failed = null;
      try {
        done = commit(batch);
      } catch (HearthException e) {
        failed = e;
      }
      lock.lock();
      try {
        committing = false;
        if (failed != null) {
          poison(failed);
          return;
        }
        for (int i = 0; i < batch.size(); i++) {
          PendingBlock b = sealed.removeFirst();
          for (int k = 0; k < b.then().size(); k++) {
            uncommitted.removeFirst();
          }
          vfs.buffers().release(b);
        }
        committedCount += batch.size();
        extents.invalidate();
        if (done.attr() != null) {
          this.attr = done.attr();
          size = Math.max(size, done.attr().getSize());
        }
        if (done.changeFailed() != null && changeError == null) {
          changeError =
              new HearthException(
                  Errno.EIO,
                  "an attribute change of inode "
                      + ino
                      + " made while it was open could not be committed: "
                      + done.changeFailed().getMessage(),
                  done.changeFailed());
        }
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * What a commit gave: the attributes of its last successful reply (null if none), and the first
   * attribute change the namespace refused (null if none).
   */
  private record Committed(Attr attr, HearthException changeFailed) {
    Committed then(Committed next) {
      return new Committed(
          next.attr != null ? next.attr : attr,
          changeFailed != null ? changeFailed : next.changeFailed);
    }
  }

  /**
   * Commits the blocks' bytes and the attribute changes sealed with them, in order: each block's
   * changes go in one Raft entry with the write before them.
   *
   * @throws HearthException when a write fails (the data is lost); a refused attribute change is
   *     only reported in the result, as the namespace applies each request of an entry on its own
   */
  private Committed commit(List<PendingBlock> batch) throws HearthException {
    List<Extent> extents = new ArrayList<>();
    Committed done = new Committed(null, null);
    boolean sent = false;
    for (PendingBlock b : batch) {
      extents.addAll(extentsOf(b));
      if (!b.then().isEmpty()) {
        List<MetaRequest> group = writes(extents);
        extents.clear();
        for (AttrChange c : b.then()) {
          group.add(c.request(ino));
        }
        done = done.then(send(group));
        sent = true;
      }
    }
    return extents.isEmpty() && sent ? done : done.then(send(writes(extents)));
  }

  /** Sends requests in order, in as few entries as allowed. */
  private Committed send(List<MetaRequest> requests) throws HearthException {
    if (requests.isEmpty()) {
      requests.add(writeRequest(List.of())); // nothing written: the current attributes
    }
    Committed done = new Committed(null, null);
    for (int from = 0; from < requests.size(); from += Limits.BATCH_REQUESTS_MAX) {
      List<MetaRequest> part =
          requests.subList(from, Math.min(requests.size(), from + Limits.BATCH_REQUESTS_MAX));
      List<CompletableFuture<MetaReply>> replies = vfs.metaWriteEach(part);
      for (int i = 0; i < part.size(); i++) {
        try {
          done = done.then(new Committed(Futures.join(replies.get(i)).getAttr(), null));
        } catch (HearthException e) {
          if (!part.get(i).hasSetattr()) {
            throw e; // a write: its data is lost
          }
          done = done.then(new Committed(null, e));
        }
      }
    }
    return done;
  }

  private List<Extent> extentsOf(PendingBlock b) {
    List<Extent> extents = new ArrayList<>();
    BlockRef ref = b.upload().join();
    for (PendingBlock.Piece p : b.pieces()) {
      Extent.Builder e = Extent.newBuilder().setFileOff(p.fileOff()).setLen(p.len());
      if (b.isInline()) {
        e.setInline(b.pieceBytes(p));
      } else {
        e.setBlock(ref).setBlockOff(p.blockOff());
        if (b.isJournaled(p)) { // an fsync committed it inline: move it, unless overwritten
          e.setReplacesInline(true).setInlineCrc32C(b.pieceCrc32c(p));
        }
      }
      extents.add(e.build());
    }
    return extents;
  }

  /** WriteReqs for the extents, in order, each within the limits of one write. */
  private List<MetaRequest> writes(List<Extent> extents) {
    List<MetaRequest> out = new ArrayList<>();
    int from = 0;
    while (from < extents.size()) {
      int to = from;
      long inlineBytes = 0;
      while (to < extents.size() && to - from < Limits.WRITE_EXTENTS_MAX) {
        long more = extents.get(to).getInline().size();
        if (to > from && inlineBytes + more > Limits.INLINE_WRITE_MAX_BYTES) {
          break;
        }
        inlineBytes += more;
        to++;
      }
      out.add(writeRequest(extents.subList(from, to)));
      from = to;
    }
    return out;
  }

  private MetaRequest writeRequest(List<Extent> extents) {
    return MetaRequest.newBuilder()
        .setCaller(caller)
        .setWrite(WriteReq.newBuilder().setLoc(loc()).addAllExtents(extents))
        .build();
  }

  /** Caller holds the lock. */
  private void poison(HearthException e) {
    if (error == null) {
      error =
          new HearthException(
              e.errno() == Errno.ENOSPC || e.errno() == Errno.EDQUOT ? e.errno() : Errno.EIO,
              "written data of inode " + ino + " was lost: " + e.getMessage(),
              e);
    }
    for (PendingBlock b : sealed) {
      if (b.upload().isDone()) {
        vfs.buffers().release(b); // one still in flight may still be read by the transport
      }
    }
    sealed.clear();
    if (open != null) {
      vfs.buffers().release(open);
    }
    open = null;
    uncommitted.clear(); // lost with the data: the mount shows the namespace's attributes again
    waiting.clear();
    changed.signalAll();
  }

  private void checkError() throws HearthException {
    if (error != null) {
      throw error;
    }
  }

  /**
   * Makes everything written so far durable and visible in the namespace: what a close does. Also
   * reports, once, a waiting attribute change the namespace refused.
   *
   * @throws HearthException the errno of a write that could not be stored
   */
  public void flush() throws HearthException {
    flush(true);
  }

  /**
   * As {@link #flush}, for this client's own needs (a change that must follow what waits, a
   * truncate, a permission check): a refused attribute change is left for the file's next fsync or
   * close to report.
   */
  public void commitNow() throws HearthException {
    flush(false);
  }

  private void flush(boolean report) throws HearthException {
    lock.lock();
    try {
      checkError();
      if (open != null && !open.isEmpty()) {
        sealAndUpload();
      }
      sealWaiting();
      awaitCommitted(report);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Seals the waiting attribute changes, with the open block's bytes when there are some (they were
   * written before the changes), else on their own. Caller holds the lock.
   */
  private void sealWaiting() {
    if (waiting.isEmpty()) {
      return;
    }
    if (open != null && !open.isEmpty()) {
      sealAndUpload();
      return;
    }
    PendingBlock b = PendingBlock.changesOnly(vfs.buffers(), waiting);
    waiting.clear();
    sealed.addLast(b);
    sealedCount++;
    vfs.executor().execute(this::commitReady);
  }

  /**
   * fchmod, fchown, futimens: a change that may wait ({@link AttrChange#mayWait}) is kept for the
   * file's next commit and the attributes it will give are returned at once; any other change is
   * committed now, after everything written and changed before it.
   *
   * @param change the SetattrReq without its Loc; no size (truncate has its own path)
   * @param namespace the file's attributes as the namespace gave them just now (a stat's), so that
   *     whether the change may wait is judged on the owner and mode another client may have set
   *     since this one last committed
   */
  public Attr setattr(SetattrReq change, Caller by, Attr namespace) throws HearthException {
    long nowNs = vfs.nowNs();
    lock.lock();
    try {
      checkError();
      Attr seen = viewOver(namespace);
      if (!retired
          && waiting.size() < WAITING_CHANGES_MAX
          && AttrChange.mayWait(seen, by, change)) {
        AttrChange c = new AttrChange(change, by, nowNs);
        waiting.add(c);
        uncommitted.addLast(c);
        return c.applyTo(seen);
      }
    } finally {
      lock.unlock();
    }
    commitNow();
    MetaReply r = vfs.metaWrite(new AttrChange(change, by, nowNs).request(ino));
    lock.lock();
    try {
      attr = r.getAttr();
      return view();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The attributes as this client sees them: the namespace's last, with the changes not committed
   * yet and the size of unflushed writes.
   */
  public Attr view() {
    lock.lock();
    try {
      return viewOver(attr);
    } finally {
      lock.unlock();
    }
  }

  /** As {@link #view}, over attributes the namespace just gave (a stat's). */
  public Attr viewOver(Attr namespace) {
    lock.lock();
    try {
      Attr a = namespace;
      for (AttrChange c : uncommitted) {
        a = c.applyTo(a);
      }
      return a.toBuilder().setSize(size).build();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Called once the last handle is gone (the VFS no longer lists the inode): from now on no change
   * waits, and true is returned when some still do (made while the last handle was closing), which
   * the caller must then flush, else nothing would commit them.
   */
  boolean retire() {
    lock.lock();
    try {
      retired = true;
      return !waiting.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  /** Whether attribute changes made here are not in the namespace yet. */
  public boolean changesWaiting() {
    lock.lock();
    try {
      return !uncommitted.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Makes everything written so far durable (fsync), as {@link #flush} does, but a few new bytes in
   * a block that is still filling are committed inline, in the namespace (one meta commit), while
   * the block stays open and keeps them: its own commit, once it is full or flushed, replaces them
   * with the block. So a program that appends 4 KiB and fsyncs pays one meta commit per fsync, not
   * a block upload (three replicas) plus two commits. At most {@link #JOURNAL_BLOCK_MAX_BYTES} of a
   * block are journaled this way, and only while no block of the file is uploading, so a file holds
   * at most that much data in the namespace beyond its first {@link Limits#INLINE_FILE_MAX_BYTES}
   * (also after a crash of this client, until it is overwritten).
   *
   * <p>Not for a close: a block committed after its last handle closed could land after another
   * client's later write of the same range. Close uses {@link #flush}.
   */
  public void fsync() throws HearthException {
    lock.lock();
    try {
      checkError();
      if (open != null && !open.isEmpty()) {
        if (journalable(open)) {
          PendingBlock tail = open.journalTail();
          tail.then(waiting);
          waiting.clear();
          sealed.addLast(tail);
          sealedCount++;
          vfs.executor().execute(this::commitReady);
        } else if (open.unjournaled() > 0) {
          sealAndUpload();
        }
      }
      sealWaiting();
      awaitCommitted(true);
    } finally {
      lock.unlock();
    }
  }

  /** Caller holds the lock. */
  private boolean journalable(PendingBlock b) {
    int fresh = b.unjournaled();
    return fresh > 0
        && !b.fitsInline() // a small file's bytes are inline anyway, in one commit
        && fresh <= Limits.INLINE_WRITE_MAX_BYTES
        && b.journaled() + fresh <= JOURNAL_BLOCK_MAX_BYTES
        && sealed.stream().allMatch(PendingBlock::isInline);
  }

  /**
   * Waits for what was written before this call only: writers that keep going meanwhile must not
   * starve an fsync. With {@code report}, a refused attribute change is thrown (once). Caller holds
   * the lock.
   */
  private void awaitCommitted(boolean report) throws HearthException {
    long target = sealedCount;
    long deadline = System.currentTimeMillis() + FLUSH_WAIT_MS;
    while (committedCount < target && error == null) {
      awaitUntil(deadline);
    }
    checkError();
    if (report && changeError != null) {
      HearthException e = changeError;
      changeError = null; // reported once, as Linux reports a writeback error
      throw e;
    }
  }

  private void awaitUntil(long deadlineMs) throws HearthException {
    long left = deadlineMs - System.currentTimeMillis();
    if (left <= 0) {
      throw new HearthException(Errno.ETIMEDOUT, "written data not stored within the deadline");
    }
    try {
      changed.await(left, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HearthException(Errno.EIO, "interrupted");
    }
  }

  /** Sets the size after a truncate that went to the namespace (the caller flushed first). */
  public void truncated(long newSize) {
    lock.lock();
    try {
      size = newSize;
      extents.invalidate();
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
    while (true) {
      long gen;
      int n;
      lock.lock();
      try {
        gen = extents.generation();
        n = (int) Math.min(len, size - off);
      } finally {
        lock.unlock();
      }
      if (n <= 0) {
        return len == 0 ? 0 : -1;
      }
      Arrays.fill(dst, dstOff, dstOff + n, (byte) 0);
      readCommitted(off, dst, dstOff, n, sequential, gen);
      lock.lock();
      try {
        if (gen != extents.generation()) {
          continue; // a commit moved bytes under us: read again
        }
        for (PendingBlock b : sealed) {
          b.overlay(off, dst, dstOff, n);
        }
        if (open != null) {
          open.overlay(off, dst, dstOff, n);
        }
        return n;
      } finally {
        lock.unlock();
      }
    }
  }

  private void readCommitted(long off, byte[] dst, int dstOff, int n, boolean sequential, long gen)
      throws HearthException {
    List<CompletableFuture<Void>> parts = new ArrayList<>();
    for (Extent e : extents.extents(off, n, gen)) {
      long s = Math.max(off, e.getFileOff());
      long end = Math.min(off + n, e.getFileOff() + e.getLen());
      if (s >= end) {
        continue;
      }
      int blockOff = e.getBlockOff() + (int) (s - e.getFileOff());
      int at = dstOff + (int) (s - off);
      int count = (int) (end - s);
      if (isInline(e)) {
        e.getInline().copyTo(dst, (int) (s - e.getFileOff()), at, count);
      } else if (sequential) {
        parts.add(vfs.readCached(e, blockOff, dst, at, count));
      } else {
        parts.add(vfs.readDirect(e.getBlock(), blockOff, dst, at, count));
      }
    }
    for (CompletableFuture<Void> p : parts) {
      Futures.join(p);
    }
    if (sequential) {
      readahead(off + n, gen);
    }
  }

  private void readahead(long from, long gen) {
    long until;
    lock.lock();
    try {
      until = Math.min(size, from + READAHEAD_BYTES);
    } finally {
      lock.unlock();
    }
    if (until <= from) {
      return;
    }
    try {
      for (Extent e : extents.extents(from, (int) (until - from), gen)) {
        if (isInline(e)) {
          continue; // already here
        }
        long s = Math.max(from, e.getFileOff());
        long end = Math.min(until, e.getFileOff() + e.getLen());
        for (long p = s; p < end; p = nextChunk(e, p)) {
          vfs.prefetch(e, e.getBlockOff() + (int) (p - e.getFileOff()));
        }
      }
    } catch (HearthException ignored) {
      // readahead is a hint
    }
  }

  /** An extent whose bytes the namespace holds itself (no block): a small file's data. */
  private static boolean isInline(Extent e) {
    return !e.getInline().isEmpty();
  }

  private static long nextChunk(Extent e, long fileOff) {
    int blockOff = e.getBlockOff() + (int) (fileOff - e.getFileOff());
    int next = (blockOff / ChunkCache.CHUNK_BYTES + 1) * ChunkCache.CHUNK_BYTES;
    return fileOff + (next - blockOff);
  }

  private Loc loc() {
    return Loc.newBuilder().setBase(ino).build();
  }
}
