package io.hearth.client.vfs;

import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.Extent;
import io.hearth.rpc.Futures;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Reads of an open file's committed bytes: the chunk map (cached in an {@link ExtentCache}) tells
 * which block holds which bytes; inline extents are copied from the map itself; blocks are read
 * straight (random readers) or through the chunk cache with readahead (sequential readers). The
 * caller lays the bytes not committed yet over the result and checks the cache's generation.
 *
 * <p>Thread-safe: it holds no state of its own besides the extent cache, and takes no lock.
 */
final class ReadPath {
  static final long READAHEAD_BYTES = 16L << 20;

  private final ExtentCache extents;
  private final BlockIo io;

  ReadPath(ExtentCache extents, BlockIo io) {
    this.extents = extents;
    this.io = io;
  }

  ExtentCache extents() {
    return extents;
  }

  /** Committed bytes of [off, off + n) into dst at dstOff, as of generation {@code gen}. */
  void readCommitted(long off, byte[] dst, int dstOff, int n, boolean sequential, long gen)
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
        parts.add(io.readCached(e, blockOff, dst, at, count));
      } else {
        parts.add(io.readDirect(e.getBlock(), blockOff, dst, at, count));
      }
    }
    for (CompletableFuture<Void> p : parts) {
      Futures.join(p);
    }
  }

  /** Starts fetching [from, until) into the chunk cache; a hint, failures ignored. */
  void readahead(long from, long until, long gen) {
    if (until <= from) {
      return;
    }
    try {
      for (Extent e : extents.extents(from, (int) Math.min(Integer.MAX_VALUE, until - from), gen)) {
        if (isInline(e)) {
          continue; // already here
        }
        long s = Math.max(from, e.getFileOff());
        long end = Math.min(until, e.getFileOff() + e.getLen());
        for (long p = s; p < end; p = nextChunk(e, p)) {
          io.prefetch(e, e.getBlockOff() + (int) (p - e.getFileOff()));
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
}
