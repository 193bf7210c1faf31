package io.hearth.client.vfs;

import io.hearth.client.data.BlockClient;
import io.hearth.client.meta.MetaClient;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.meta.LayoutReply;
import io.hearth.protocol.meta.LayoutReq;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.rpc.Futures;
import java.util.List;
import org.apache.ratis.protocol.RaftPeer;

/**
 * The VFS, made on first use: it needs the data layout, which it asks the meta group for.
 *
 * <p>{@link #ifStarted} takes no lock: it runs in completions of meta replies (the client's view of
 * a stat over an open file), and the layout reply {@link #get} waits for under the lock may come in
 * the same batch, completed after that stat on the same thread: a lock there deadlocked the first
 * open against a concurrent stat until the call deadline (60 s, then ETIMEDOUT).
 */
public final class FileLayer implements AutoCloseable {
  /** How often an open client asks for the layout: data groups and meta members move. */
  static final long LAYOUT_REFRESH_MS = 2_000;

  private final MetaClient meta;

  /** Who this client is to the namespace when it holds an orphan (see holderId). */
  private final com.google.protobuf.ByteString holder;

  private volatile Vfs vfs;
  private volatile BlockClient blocks;
  private volatile long epoch = -1;
  private volatile boolean closed;
  private Thread refresher;

  public FileLayer(MetaClient meta) {
    this.meta = meta;
    java.util.UUID id = java.util.UUID.randomUUID();
    this.holder =
        com.google.protobuf.ByteString.copyFrom(
            java.nio.ByteBuffer.allocate(16)
                .putLong(id.getMostSignificantBits())
                .putLong(id.getLeastSignificantBits())
                .array());
  }

  public synchronized Vfs get() throws HearthException {
    if (vfs == null) {
      LayoutReply l = fetchLayout();
      BlockClient b = new BlockClient(l);
      b.onStale(this::refreshQuietly);
      meta.followMembers(metaPeers(l));
      epoch = l.getEpoch();
      blocks = b;
      vfs = new Vfs(meta, b);
      refresher = Thread.ofVirtual().name("layout-refresh").start(this::refreshLoop);
    }
    return vfs;
  }

  private LayoutReply fetchLayout() throws HearthException {
    return Futures.join(
            meta.read(
                MetaRequest.newBuilder()
                    .setCaller(Caller.newBuilder().setUid(0).setGid(0))
                    .setLayout(LayoutReq.getDefaultInstance())
                    .build()))
        .getLayout();
  }

  private void refreshLoop() {
    while (!closed) {
      try {
        Thread.sleep(LAYOUT_REFRESH_MS);
      } catch (InterruptedException e) {
        return;
      }
      refreshQuietly();
    }
  }

  /** Follows the current layout; a failure leaves the last one in use until the next try. */
  private void refreshQuietly() {
    try {
      LayoutReply l = fetchLayout();
      if (l.getEpoch() != epoch || l.getEpoch() == 0) {
        blocks.update(l);
        epoch = l.getEpoch();
      }
      meta.followMembers(metaPeers(l));
    } catch (HearthException | RuntimeException e) {
      // the cluster may be electing or moving; the next refresh tries again
    }
  }

  private static List<RaftPeer> metaPeers(LayoutReply l) {
    return l.getMetaPeersList().stream()
        .map(p -> RaftPeer.newBuilder().setId(p.getId()).setAddress(p.getAddress()).build())
        .toList();
  }

  /**
   * This client's id as the holder of orphans: files it had open when their last name went, kept by
   * the namespace until it releases them at their last close.
   */
  private volatile java.util.function.LongConsumer contentsChanged = ino -> {};

  /** Who hears that an open file's contents changed elsewhere (its inode number). */
  public void invalidateThrough(java.util.function.LongConsumer listener) {
    this.contentsChanged = listener;
  }

  public com.google.protobuf.ByteString holderId() {
    return holder;
  }

  /** The VFS if something started it, else null; takes no lock (see the class comment). */
  public Vfs ifStarted() {
    return vfs;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (refresher != null) {
      refresher.interrupt();
    }
    if (vfs != null) {
      vfs.close();
    }
  }
}
