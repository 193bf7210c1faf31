package io.hearth.client.vfs;

import io.hearth.protocol.Limits;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reuses the 4 MiB arrays of pending blocks. A block starts small (a 4 KiB write into a small file
 * should not take 4 MiB) and moves to a full-size pooled array as soon as it outgrows {@link
 * #SMALL_MAX_BYTES}, so a streaming writer copies each byte into its block once and allocates
 * nothing per block. At most {@link #POOLED_MAX} arrays are kept.
 *
 * <p>Thread-safe.
 */
final class BlockBuffers {
  static final int SMALL_MAX_BYTES = 256 << 10;
  static final int POOLED_MAX = 24;

  private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(POOLED_MAX);

  /** An array for a block whose first write has {@code firstWriteBytes}. */
  byte[] take(int firstWriteBytes) {
    if (firstWriteBytes <= SMALL_MAX_BYTES / 4) {
      return new byte[Math.max(4096, firstWriteBytes * 2)];
    }
    return full();
  }

  /** A larger array holding the first {@code used} bytes of {@code buf}, for {@code need} bytes. */
  byte[] grow(byte[] buf, int used, int need) {
    if (need <= SMALL_MAX_BYTES) {
      return Arrays.copyOf(buf, Math.min(SMALL_MAX_BYTES, Math.max(need, buf.length * 2)));
    }
    byte[] big = full();
    System.arraycopy(buf, 0, big, 0, used);
    release(buf);
    return big;
  }

  private byte[] full() {
    byte[] b = free.poll();
    return b != null ? b : new byte[Limits.BLOCK_MAX_BYTES];
  }

  void release(PendingBlock b) {
    release(b.takeBuffer());
  }

  private void release(byte[] b) {
    if (b != null && b.length == Limits.BLOCK_MAX_BYTES) {
      free.offer(b);
    }
  }
}
