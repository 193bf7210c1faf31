package io.hearth.client.vfs;

import io.hearth.client.data.BlockClient;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.BlockRef;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;

/**
 * A bounded LRU cache of block bytes in aligned chunks, shared by every open file. Blocks are
 * immutable and a block id is never reused, so a cached chunk is valid for as long as it stays:
 * there is nothing to invalidate. Sequential readers read through it and fill it ahead of
 * themselves (readahead); random readers bypass it.
 *
 * <p>Thread-safe. Fetches run on the given executor, at most {@code fetchesMax} at once.
 */
final class ChunkCache {
  static final int CHUNK_BYTES = 2 << 20;

  private record Key(int group, long id, int chunk) {}

  /** A chunk fetched (or being fetched) for its first {@code len} bytes. */
  private record Fetch(int len, CompletableFuture<ByteBuffer> bytes) {}

  private final BlockClient blocks;
  private final ExecutorService executor;
  private final Semaphore fetches;
  private final int entriesMax;
  private final Map<Key, Fetch> lru;

  ChunkCache(BlockClient blocks, ExecutorService executor, long bytesMax, int fetchesMax) {
    this.blocks = blocks;
    this.executor = executor;
    this.fetches = new Semaphore(fetchesMax);
    this.entriesMax = (int) Math.max(4, bytesMax / CHUNK_BYTES);
    this.lru =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Key, Fetch> e) {
            return size() > entriesMax;
          }
        };
  }

  /**
   * The chunk of {@code ref} that holds block offset {@code blockOff}, covering at least up to
   * block offset {@code needEnd} (the block's bytes that some extent uses; a chunk never reads past
   * them, since the client does not know the block's length).
   */
  CompletableFuture<ByteBuffer> chunk(BlockRef ref, int blockOff, int needEnd) {
    int idx = blockOff / CHUNK_BYTES;
    Key key = new Key(ref.getGroup(), ref.getId(), idx);
    int start = idx * CHUNK_BYTES;
    int end = Math.min(needEnd, start + CHUNK_BYTES);
    synchronized (lru) {
      Fetch e = lru.get(key);
      if (e != null && e.len() >= end - start && !e.bytes().isCompletedExceptionally()) {
        return e.bytes();
      }
      Fetch fetch = new Fetch(end - start, new CompletableFuture<>());
      lru.put(key, fetch);
      executor.execute(() -> fill(fetch, key, ref, start));
      return fetch.bytes();
    }
  }

  private void fill(Fetch e, Key key, BlockRef ref, int off) {
    fetches.acquireUninterruptibly();
    try {
      // The reply's own buffer, read-only: kept as it is, never copied.
      e.bytes().complete(blocks.read(ref, off, e.len()));
    } catch (HearthException | RuntimeException ex) {
      e.bytes().completeExceptionally(ex);
      synchronized (lru) {
        lru.remove(key, e);
      }
    } finally {
      fetches.release();
    }
  }
}
