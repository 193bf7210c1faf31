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
import io.hearth.protocol.meta.WriteReq;
import io.hearth.rpc.Futures;
import io.hearth.rpc.MonoClock;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The write-back of one open file: written bytes wait in memory in {@link PendingBlock}s and leave
 * in write order, as blocks uploaded then committed, or inline in the commit itself; attribute
 * changes that may wait ride with them.
 *
 * <p><b>Guarantees.</b> Blocks are committed to the namespace in the order they were sealed, each
 * only once it and every block before it are uploaded; the attribute changes sealed with a block
 * are committed right after its bytes, in one log entry with them. {@link #flush} and {@link
 * #fsync} return once everything sealed before them is committed: on a majority of disks, named by
 * a committed chunk map.
 *
 * <p><b>States.</b> {@link Stage#ACCEPTING} until an upload or a data commit fails (after its own
 * retries and deadline), then {@link Stage#FAILED} for good: the bytes not committed are dropped
 * ({@link Listener#lost}) and every later write, flush and fsync fails with that errno, as Linux
 * reports a writeback error. An attribute change the namespace refuses at its commit does not fail
 * the pipeline: the data stands, and the next reporting flush throws EIO once. At most one commit
 * loop runs at a time ({@link #committing}).
 *
 * <p><b>Bounds.</b> At most {@link #SEALED_MAX} sealed blocks (writers wait), {@link
 * #WAITING_CHANGES_MAX} waiting changes, {@link #JOURNAL_BLOCK_MAX_BYTES} of a block written ahead
 * by fsync; a flush waits at most {@link #FLUSH_WAIT_MS}.
 *
 * <p><b>Threads.</b> Callers hold the inode's {@code lock} for every method; uploads run through
 * {@link BlockIo}, commit loops on {@code executor}; block and namespace I/O happen outside the
 * lock. {@code changed} is signalled whenever a commit lands or the pipeline fails.
 */
final class WritePipeline {
  static final int SEALED_MAX = 8;
  static final int WAITING_CHANGES_MAX = 8;
  static final int JOURNAL_BLOCK_MAX_BYTES = 1 << 20;

  /** Longer than a block write's deadline plus a chunk-map commit's, so those fail first. */
  static final long FLUSH_WAIT_MS = 180_000;

  enum Stage {
    ACCEPTING,
    FAILED
  }

  /** What the inode hears of the pipeline; called with the lock held. */
  interface Listener {
    /**
     * Blocks were committed with these attribute changes; {@code attr} is the last successful
     * reply's attributes (null if none).
     */
    void committed(List<AttrChange> changes, Attr attr);

    /** The bytes and changes not committed are lost. */
    void lost();
  }

  private final long ino;
  private final Caller caller;
  private final ReentrantLock lock;
  private final Condition changed;
  private final MetaPort meta;
  private final BlockIo io;
  private final Executor executor;
  private final BlockBuffers buffers;
  private final MonoClock clock;
  private final Listener listener;

  private final Deque<PendingBlock> sealed = new ArrayDeque<>();
  private PendingBlock open;

  /** Attribute changes not attached to a sealed block yet. */
  private final List<AttrChange> waiting = new ArrayList<>();

  /** Blocks sealed so far, and committed so far (in the same order): flushes wait on these. */
  private long sealedCount;

  private long committedCount;
  private boolean committing;
  private Stage stage = Stage.ACCEPTING;
  private HearthException error;

  /** A refused waiting change, reported once by the next reporting flush. */
  private HearthException changeError;

  /** The largest end of the bytes not committed yet (0 when none). */
  private long pendingEnd;

  WritePipeline(
      long ino,
      Caller caller,
      ReentrantLock lock,
      Condition changed,
      MetaPort meta,
      BlockIo io,
      Executor executor,
      BlockBuffers buffers,
      MonoClock clock,
      Listener listener) {
    this.ino = ino;
    this.caller = caller;
    this.lock = lock;
    this.changed = changed;
    this.meta = meta;
    this.io = io;
    this.executor = executor;
    this.buffers = buffers;
    this.clock = clock;
    this.listener = listener;
  }

  Stage stage() {
    return stage;
  }

  void checkError() throws HearthException {
    if (stage == Stage.FAILED) {
      throw error;
    }
  }

  long pendingEnd() {
    return pendingEnd;
  }

  boolean hasWaitingRoom() {
    return waiting.size() < WAITING_CHANGES_MAX;
  }

  boolean hasWaiting() {
    return !waiting.isEmpty();
  }

  /** Keeps a change for the next commit. */
  void addWaiting(AttrChange c) {
    waiting.add(c);
  }

  // ---- writes ----

  /**
   * Buffers {@code src} at file offset {@code off}, written by {@code writer} (whose rights its
   * commit carries: a write by anyone but root drops setuid and setgid); waits while {@link
   * #SEALED_MAX} blocks are sealed.
   */
  void write(long off, ByteBuffer src, Caller writer) throws HearthException {
    checkError();
    int n = src.remaining();
    if (!waiting.isEmpty()) {
      // Changes made before this write are committed before it: its mtime comes after a
      // utimens, and the setuid/setgid it drops (by anyone but root) stay dropped after a chmod.
      sealWaiting();
    }
    long at = off;
    while (src.hasRemaining()) {
      if (open == null) {
        open = new PendingBlock(buffers, src.remaining());
      }
      int k = Math.min(src.remaining(), open.free());
      open.writtenBy(writer);
      open.append(at, src, k);
      at += k;
      if (open.free() == 0) {
        sealAndUpload();
      }
    }
    pendingEnd = Math.max(pendingEnd, off + n);
    long deadlineNs = deadlineNs();
    while (sealed.size() >= SEALED_MAX && stage == Stage.ACCEPTING) {
      awaitUntil(deadlineNs);
    }
    checkError();
  }

  private void sealAndUpload() {
    PendingBlock b = open;
    open = null;
    b.then(waiting);
    waiting.clear();
    if (b.fitsInline()) {
      b.sealInline(); // a small file's bytes: one meta commit, no block
    } else {
      b.seal(io.upload(b.bytes()));
    }
    enqueue(b);
    b.upload().whenComplete((r, e) -> executor.execute(this::commitReady));
  }

  private void enqueue(PendingBlock b) {
    sealed.addLast(b);
    sealedCount++;
  }

  /**
   * Seals the waiting attribute changes, with the open block's bytes when there are some (they were
   * written before the changes), else on their own.
   */
  private void sealWaiting() {
    if (waiting.isEmpty()) {
      return;
    }
    if (open != null && !open.isEmpty()) {
      sealAndUpload();
      return;
    }
    PendingBlock b = PendingBlock.changesOnly(buffers, waiting);
    waiting.clear();
    enqueue(b);
    executor.execute(this::commitReady);
  }

  // ---- commits ----

  /**
   * Commits the uploaded blocks at the head of the queue, in order; loops while more are ready.
   * Runs on the executor; at most one per inode at a time.
   */
  private void commitReady() {
    while (true) {
      List<PendingBlock> batch = new ArrayList<>();
      lock.lock();
      try {
        if (committing || stage == Stage.FAILED) {
          return;
        }
        for (PendingBlock b : sealed) {
          CompletableFuture<BlockRef> u = b.upload();
          if (!u.isDone()) {
            break;
          }
          if (u.isCompletedExceptionally()) {
            fail(Futures.failureOf(u));
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
          fail(failed);
          return;
        }
        landed(batch, done);
      } finally {
        lock.unlock();
      }
    }
  }

  /** The batch is in the namespace: the blocks leave the queue. Caller holds the lock. */
  private void landed(List<PendingBlock> batch, Committed done) {
    List<AttrChange> changes = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      PendingBlock b = sealed.removeFirst();
      changes.addAll(b.then());
      buffers.release(b);
    }
    committedCount += batch.size();
    recomputePendingEnd();
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
    listener.committed(changes, done.attr());
    changed.signalAll();
  }

  private void recomputePendingEnd() {
    long end = open == null ? 0 : open.maxEnd();
    for (PendingBlock b : sealed) {
      end = Math.max(end, b.maxEnd());
    }
    pendingEnd = end;
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
    Caller as = committer(batch);
    List<Extent> extents = new ArrayList<>();
    Committed done = new Committed(null, null);
    boolean sent = false;
    for (PendingBlock b : batch) {
      extents.addAll(extentsOf(b));
      if (!b.then().isEmpty()) {
        List<MetaRequest> group = writes(extents, as);
        extents.clear();
        for (AttrChange c : b.then()) {
          group.add(c.request(ino));
        }
        done = done.then(send(group, as));
        sent = true;
      }
    }
    return extents.isEmpty() && sent ? done : done.then(send(writes(extents, as), as));
  }

  /**
   * Whose rights a batch's writes carry: the first writer of them that is not root (so that the
   * namespace drops setuid and setgid, as a write(2) without CAP_FSETID does), else the opener's.
   */
  private Caller committer(List<PendingBlock> batch) {
    for (PendingBlock b : batch) {
      Caller w = b.writer();
      if (w != null && w.getUid() != 0) {
        return w;
      }
    }
    return caller;
  }

  /** Sends requests in order, in as few entries as allowed. */
  private Committed send(List<MetaRequest> requests, Caller as) throws HearthException {
    if (requests.isEmpty()) {
      requests.add(writeRequest(List.of(), as)); // nothing written: the current attributes
    }
    Committed done = new Committed(null, null);
    for (int from = 0; from < requests.size(); from += Limits.BATCH_REQUESTS_MAX) {
      List<MetaRequest> part =
          requests.subList(from, Math.min(requests.size(), from + Limits.BATCH_REQUESTS_MAX));
      List<CompletableFuture<MetaReply>> replies = meta.writeAll(part);
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

  private static List<Extent> extentsOf(PendingBlock b) {
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
  private List<MetaRequest> writes(List<Extent> extents, Caller as) {
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
      out.add(writeRequest(extents.subList(from, to), as));
      from = to;
    }
    return out;
  }

  private MetaRequest writeRequest(List<Extent> extents, Caller as) {
    return MetaRequest.newBuilder()
        .setCaller(as)
        .setWrite(
            WriteReq.newBuilder().setLoc(Loc.newBuilder().setBase(ino)).addAllExtents(extents))
        .build();
  }

  /** ACCEPTING -> FAILED: what was not committed is dropped. Caller holds the lock. */
  private void fail(HearthException e) {
    if (stage == Stage.ACCEPTING) {
      stage = Stage.FAILED;
      error =
          new HearthException(
              e.errno() == Errno.ENOSPC || e.errno() == Errno.EDQUOT ? e.errno() : Errno.EIO,
              "written data of inode " + ino + " was lost: " + e.getMessage(),
              e);
    }
    for (PendingBlock b : sealed) {
      if (b.upload().isDone()) {
        buffers.release(b); // one still in flight may still be read by the transport
      }
    }
    sealed.clear();
    if (open != null) {
      buffers.release(open);
    }
    open = null;
    waiting.clear();
    pendingEnd = 0;
    listener.lost();
    changed.signalAll();
  }

  // ---- flush and fsync ----

  /**
   * Seals what is buffered and waits until everything sealed before this call is committed. With
   * {@code report}, a refused attribute change is thrown (once).
   */
  void flush(boolean report) throws HearthException {
    checkError();
    if (open != null && !open.isEmpty()) {
      sealAndUpload();
    }
    sealWaiting();
    awaitCommitted(report);
  }

  /**
   * As {@link #flush}, but a few new bytes in a block that is still filling are committed inline,
   * in the namespace (one meta commit), while the block stays open and keeps them: its own commit,
   * once it is full or flushed, replaces them with the block. So a program that appends 4 KiB and
   * fsyncs pays one meta commit per fsync, not a block upload (three replicas) plus two commits. At
   * most {@link #JOURNAL_BLOCK_MAX_BYTES} of a block are journaled this way, and only while no
   * block of the file is uploading, so a file holds at most that much data in the namespace beyond
   * its first {@link Limits#INLINE_FILE_MAX_BYTES} (also after a crash of this client, until it is
   * overwritten).
   *
   * <p>Not for a close: a block committed after its last handle closed could land after another
   * client's later write of the same range. Close uses {@link #flush}.
   */
  void fsync() throws HearthException {
    checkError();
    if (open != null && !open.isEmpty()) {
      if (journalable(open)) {
        PendingBlock tail = open.journalTail();
        tail.then(waiting);
        waiting.clear();
        enqueue(tail);
        executor.execute(this::commitReady);
      } else if (open.unjournaled() > 0) {
        sealAndUpload();
      }
    }
    sealWaiting();
    awaitCommitted(true);
  }

  private boolean journalable(PendingBlock b) {
    int fresh = b.unjournaled();
    return fresh > 0
        && !b.fitsInline() // a small file's bytes are inline anyway, in one commit
        && fresh <= Limits.INLINE_WRITE_MAX_BYTES
        && b.journaled() + fresh <= JOURNAL_BLOCK_MAX_BYTES
        && sealed.stream().allMatch(PendingBlock::isInline);
  }

  /**
   * Waits for what was sealed before this call only: writers that keep going meanwhile must not
   * starve an fsync.
   */
  private void awaitCommitted(boolean report) throws HearthException {
    long target = sealedCount;
    long deadlineNs = deadlineNs();
    while (committedCount < target && stage == Stage.ACCEPTING) {
      awaitUntil(deadlineNs);
    }
    checkError();
    if (report && changeError != null) {
      HearthException e = changeError;
      changeError = null; // reported once, as Linux reports a writeback error
      throw e;
    }
  }

  private long deadlineNs() {
    return clock.nanos() + TimeUnit.MILLISECONDS.toNanos(FLUSH_WAIT_MS);
  }

  private void awaitUntil(long deadlineNs) throws HearthException {
    long leftNs = deadlineNs - clock.nanos();
    if (leftNs <= 0) {
      throw new HearthException(Errno.ETIMEDOUT, "written data not stored within the deadline");
    }
    try {
      changed.await(leftNs, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HearthException(Errno.EIO, "interrupted");
    }
  }

  // ---- reads ----

  /** Lays the bytes not committed yet over [off, off + len) of dst, in write order. */
  void overlay(long off, byte[] dst, int dstOff, int len) {
    for (PendingBlock b : sealed) {
      b.overlay(off, dst, dstOff, len);
    }
    if (open != null) {
      open.overlay(off, dst, dstOff, len);
    }
  }
}
