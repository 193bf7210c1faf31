package io.hearth.client.vfs;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.BlockRef;
import io.hearth.protocol.meta.Extent;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * In-memory block storage for unit tests of the file layer. Uploads complete at once, or, while
 * {@link #hold} is on, only when the test releases them (in any order it likes); a test can make
 * uploads fail.
 */
final class MemBlocks implements BlockIo {
  private final Map<Long, byte[]> blocks = new HashMap<>();
  private final List<CompletableFuture<BlockRef>> held = new ArrayList<>();
  private final List<Runnable> releases = new ArrayList<>();
  private long nextId = 1;
  private boolean hold;
  private Errno fail;

  synchronized void hold(boolean on) {
    hold = on;
  }

  synchronized void fail(Errno e) {
    fail = e;
  }

  /** Uploads waiting for the test, in the order they were made. */
  synchronized int heldCount() {
    return releases.size();
  }

  /** Completes the i-th held upload. */
  void release(int i) {
    Runnable r;
    synchronized (this) {
      r = releases.get(i);
    }
    r.run();
  }

  synchronized byte[] bytes(BlockRef ref, int off, int len) {
    return Arrays.copyOfRange(blocks.get(ref.getId()), off, off + len);
  }

  synchronized int count() {
    return blocks.size();
  }

  @Override
  public synchronized CompletableFuture<BlockRef> upload(ByteBuffer bytes) {
    if (fail != null) {
      return CompletableFuture.failedFuture(new HearthException(fail, "upload failed"));
    }
    byte[] copy = new byte[bytes.remaining()];
    bytes.duplicate().get(copy);
    long id = nextId++;
    BlockRef ref = BlockRef.newBuilder().setGroup(0).setId(id).build();
    CompletableFuture<BlockRef> f = new CompletableFuture<>();
    Runnable done =
        () -> {
          synchronized (this) {
            blocks.put(id, copy);
          }
          f.complete(ref);
        };
    if (hold) {
      held.add(f);
      releases.add(done);
    } else {
      done.run();
    }
    return f;
  }

  @Override
  public CompletableFuture<Void> readDirect(
      BlockRef ref, int blockOff, byte[] dst, int at, int len) {
    System.arraycopy(bytes(ref, blockOff, len), 0, dst, at, len);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> readCached(Extent e, int blockOff, byte[] dst, int at, int len) {
    return readDirect(e.getBlock(), blockOff, dst, at, len);
  }

  @Override
  public void prefetch(Extent e, int blockOff) {}
}
