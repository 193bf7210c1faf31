package io.hearth.client.vfs;

import io.hearth.protocol.Limits;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reuses the 4 MiB buffers of pending blocks. A block starts in a small heap buffer (a 4 KiB write
 * into a small file should not take 4 MiB) and moves to a full-size pooled buffer as soon as it
 * outgrows {@link #SMALL_MAX_BYTES}, so a streaming writer copies each byte into its block once and
 * allocates nothing per block. The full-size buffers are direct: the DataStream transport sends
 * them as they are, where a heap buffer would be copied into direct memory first (7 % of the CPU of
 * a sequential write). At most {@link #POOLED_MAX} are kept.
 *
 * <p>Thread-safe.
 */
final class BlockBuffers {
  static final int SMALL_MAX_BYTES = 256 << 10;
  static final int POOLED_MAX = 24;

  private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(POOLED_MAX);

  /** A buffer for a block whose first write has {@code firstWriteBytes}. */
  ByteBuffer take(int firstWriteBytes) {
    if (firstWriteBytes <= SMALL_MAX_BYTES / 4) {
      return ByteBuffer.allocate(Math.max(4096, firstWriteBytes * 2));
    }
    return full();
  }

  /**
   * A larger buffer holding the first {@code used} bytes of {@code buf}, for {@code need} bytes.
   */
  ByteBuffer grow(ByteBuffer buf, int used, int need) {
    ByteBuffer bigger =
        need <= SMALL_MAX_BYTES
            ? ByteBuffer.allocate(Math.min(SMALL_MAX_BYTES, Math.max(need, buf.capacity() * 2)))
            : full();
    bigger.put(0, buf, 0, used);
    release(buf);
    return bigger;
  }

  private ByteBuffer full() {
    ByteBuffer b = free.poll();
    return b != null ? b.clear() : ByteBuffer.allocateDirect(Limits.BLOCK_MAX_BYTES);
  }

  void release(PendingBlock b) {
    release(b.takeBuffer());
  }

  private void release(ByteBuffer b) {
    if (b != null && b.isDirect() && b.capacity() == Limits.BLOCK_MAX_BYTES) {
      free.offer(b);
    }
  }
}
