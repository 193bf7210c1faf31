package io.hearth.server.data;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Aligned direct buffers through which blocks are written with O_DIRECT, reused across streams so
 * that a busy server does not allocate (and zero) 1 MiB of direct memory per block. At most {@link
 * #POOLED_MAX} are kept; more concurrent streams allocate their own, which the GC frees.
 *
 * <p>Thread-safe.
 */
final class StagingBuffers {
  /** O_DIRECT alignment of memory, file offsets and lengths; 4096 covers every Linux disk. */
  static final int ALIGN = 4096;

  static final int BUFFER_BYTES = 1 << 20;
  static final int POOLED_MAX = 32;

  private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(POOLED_MAX);

  static int align(int n) {
    return (n + ALIGN - 1) / ALIGN * ALIGN;
  }

  ByteBuffer take() {
    ByteBuffer b = free.poll();
    if (b == null) {
      b = ByteBuffer.allocateDirect(BUFFER_BYTES + ALIGN).alignedSlice(ALIGN);
    }
    return b.clear();
  }

  void give(ByteBuffer b) {
    if (b != null) {
      free.offer(b);
    }
  }
}
