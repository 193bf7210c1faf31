package io.hearth.client.vfs;

import io.hearth.client.data.BlockClient;
import io.hearth.client.meta.MetaClient;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.BlockRef;
import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.meta.Extent;
import io.hearth.rpc.MonoClock;
import java.nio.ByteBuffer;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.LongConsumer;

/**
 * The client's file layer: the table of open inodes and the machinery they share (the block cache,
 * the upload slots, the executor). Both the Java API ({@code HearthFile}) and the FUSE bridge go
 * through it, so both see one behaviour.
 *
 * <p>Thread-safe. Uploads run on virtual threads, at most {@link #UPLOADS_IN_FLIGHT_MAX} at once
 * for the whole client, which bounds the memory held by blocks in transit.
 */
public final class Vfs implements AutoCloseable, BlockIo {
  /** The longest {@link #close} waits for the files left open to be committed, all together. */
  public static final long CLOSE_FLUSH_WAIT_MS = 30_000;

  public static final int UPLOADS_IN_FLIGHT_MAX = 8;
  static final long CACHE_BYTES = 128L << 20;
  static final int FETCHES_IN_FLIGHT_MAX = 16;

  private final MetaPort meta;
  private final BlockClient blocks;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final Semaphore uploads = new Semaphore(UPLOADS_IN_FLIGHT_MAX);
  private final ChunkCache cache;
  private final BlockBuffers buffers = new BlockBuffers();
  private final Map<Long, OpenInode> open = new HashMap<>();

  private final OpenInode.Parts parts;
  private final LongConsumer closedHere;

  public Vfs(MetaClient meta, BlockClient blocks) {
    this(meta, blocks, ino -> {}, Fence.NONE, ino -> {});
  }

  /**
   * @param contentsChanged told the inode number when a reply shows that an open file's contents
   *     changed elsewhere (the bridge drops the kernel's cache of it)
   * @param fence the session each file's changes carry (its locks')
   * @param closedHere told the inode number when its last handle here closed
   */
  public Vfs(
      MetaClient meta,
      BlockClient blocks,
      LongConsumer contentsChanged,
      Fence fence,
      LongConsumer closedHere) {
    this(
        MetaPort.of(meta),
        blocks,
        InstantSource.system(),
        MonoClock.SYSTEM,
        contentsChanged,
        fence,
        closedHere);
  }

  /**
   * @param wallClock the time of attribute changes shown before they are committed (the namespace's
   *     own time replaces it at the commit)
   * @param monoClock deadlines of flushes
   */
  Vfs(
      MetaPort meta,
      BlockClient blocks,
      InstantSource wallClock,
      MonoClock monoClock,
      LongConsumer contentsChanged,
      Fence fence,
      LongConsumer closedHere) {
    this.meta = meta;
    this.blocks = blocks;
    this.closedHere = closedHere;
    this.cache = new ChunkCache(blocks, executor, CACHE_BYTES, FETCHES_IN_FLIGHT_MAX);
    this.parts =
        new OpenInode.Parts(
            meta, this, executor, buffers, monoClock, wallClock, contentsChanged, fence);
  }

  public BlockClient blocks() {
    return blocks;
  }

  /** Opens (or joins) the inode's shared state; pair with {@link #release}. */
  public OpenInode acquire(Attr attr, Caller caller) {
    synchronized (open) {
      OpenInode n = open.get(attr.getIno());
      if (n == null) {
        n = new OpenInode(attr, caller, parts);
        open.put(attr.getIno(), n);
      } else {
        n.observe(attr);
      }
      n.retain();
      return n;
    }
  }

  /**
   * Closes a handle: flushes the inode (close-to-open: what was written is in the namespace when
   * close returns) and forgets it after its last handle.
   */
  public void release(OpenInode n) throws HearthException {
    boolean last = false;
    HearthException failed = null;
    try {
      n.flush();
    } catch (HearthException e) {
      failed = e;
    } finally {
      synchronized (open) {
        if (n.release()) {
          open.remove(n.ino(), n);
          last = true;
        }
      }
    }
    // A chmod by path that found the inode just before it left the table may have chosen to wait
    // after the flush above (failed or not): nothing else would commit it now.
    if (last && n.retire()) {
      try {
        n.flush();
      } catch (HearthException e) {
        failed = failed != null ? failed : e;
      }
    }
    if (last) {
      closedHere.accept(n.ino());
    }
    if (failed != null) {
      throw failed;
    }
  }

  /** Whether any handle of this client is open. */
  public boolean anyOpen() {
    synchronized (open) {
      return !open.isEmpty();
    }
  }

  /** The open inode, or null when no handle of this client has it open. */
  public OpenInode find(long ino) {
    synchronized (open) {
      return open.get(ino);
    }
  }

  @Override
  public CompletableFuture<BlockRef> upload(ByteBuffer bytes) {
    return CompletableFuture.supplyAsync(
        () -> {
          uploads.acquireUninterruptibly();
          try {
            return blocks.put(bytes);
          } catch (HearthException e) {
            throw new java.util.concurrent.CompletionException(e);
          } finally {
            uploads.release();
          }
        },
        executor);
  }

  @Override
  public CompletableFuture<Void> readDirect(
      BlockRef ref, int blockOff, byte[] dst, int at, int len) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            blocks.read(ref, blockOff, len).get(dst, at, len);
          } catch (HearthException e) {
            throw new java.util.concurrent.CompletionException(e);
          }
        },
        executor);
  }

  /** Reads through the block cache, one chunk after another. */
  @Override
  public CompletableFuture<Void> readCached(Extent e, int blockOff, byte[] dst, int at, int len) {
    int needEnd = e.getBlockOff() + e.getLen();
    CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
    int done = 0;
    while (done < len) {
      int off = blockOff + done;
      int chunkStart = off / ChunkCache.CHUNK_BYTES * ChunkCache.CHUNK_BYTES;
      int n = Math.min(len - done, chunkStart + ChunkCache.CHUNK_BYTES - off);
      int dstAt = at + done;
      CompletableFuture<Void> part =
          cache
              .chunk(e.getBlock(), off, needEnd)
              .thenAccept(bytes -> bytes.get(off - chunkStart, dst, dstAt, n));
      all = all.thenCombine(part, (a, b) -> null);
      done += n;
    }
    return all;
  }

  @Override
  public void prefetch(Extent e, int blockOff) {
    cache.chunk(e.getBlock(), blockOff, e.getBlockOff() + e.getLen());
  }

  /**
   * Flushes what the open files still hold (a program that closes its client without closing its
   * files, as a process that exits: attribute changes waiting for a commit were acknowledged), all
   * at once and for at most {@link #CLOSE_FLUSH_WAIT_MS} in all, then stops. A flush that fails
   * does not stop the others.
   */
  @Override
  public void close() {
    List<OpenInode> left;
    synchronized (open) {
      left = new ArrayList<>(open.values());
    }
    List<Thread> flushes = new ArrayList<>(left.size());
    for (OpenInode n : left) {
      flushes.add(Thread.ofVirtual().name("close-flush-" + n.ino()).start(() -> flushQuietly(n)));
    }
    long deadlineNs = System.nanoTime() + CLOSE_FLUSH_WAIT_MS * 1_000_000;
    try {
      for (Thread t : flushes) {
        long waitMs = (deadlineNs - System.nanoTime()) / 1_000_000;
        if (waitMs <= 0 || !t.join(java.time.Duration.ofMillis(waitMs))) {
          break; // the cluster does not answer: what is left is lost, as with a crash
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    executor.shutdownNow();
    blocks.close();
  }

  private void flushQuietly(OpenInode n) {
    try {
      n.commitNow();
    } catch (HearthException ignored) {
      // the file's own close would have reported it; the client is going away
    }
  }
}
