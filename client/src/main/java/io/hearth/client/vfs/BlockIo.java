package io.hearth.client.vfs;

import io.hearth.protocol.meta.BlockRef;
import io.hearth.protocol.meta.Extent;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * What an open file asks of block storage: uploads of sealed blocks, and reads of committed ones,
 * straight (random readers) or through the shared chunk cache (sequential readers, readahead). The
 * VFS's in production; in-memory blocks in unit tests. Failures complete the futures with a
 * HearthException.
 */
interface BlockIo {
  /** Stores a block durably on a majority; the reference names it. */
  CompletableFuture<BlockRef> upload(ByteBuffer bytes);

  /** Bytes [blockOff, blockOff + len) of a block into dst at {@code at}. */
  CompletableFuture<Void> readDirect(BlockRef ref, int blockOff, byte[] dst, int at, int len);

  /** The same through the chunk cache; {@code e} is the extent that names these bytes. */
  CompletableFuture<Void> readCached(Extent e, int blockOff, byte[] dst, int at, int len);

  /** Fills the chunk cache ahead of a sequential reader; a hint. */
  void prefetch(Extent e, int blockOff);
}
