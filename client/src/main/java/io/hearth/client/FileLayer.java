package io.hearth.client;

import io.hearth.client.data.BlockClient;
import io.hearth.client.locks.ClusterLocks;
import io.hearth.client.meta.MetaClient;
import io.hearth.client.session.ClientSession;
import io.hearth.client.vfs.OpenInode;
import io.hearth.client.vfs.Vfs;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.meta.LayoutReply;
import io.hearth.protocol.meta.LayoutReq;
import io.hearth.protocol.meta.LookupReq;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.rpc.Futures;
import io.hearth.rpc.MonoClock;
import java.util.List;
import java.util.function.LongConsumer;
import org.apache.ratis.protocol.RaftPeer;

/**
 * What a client holds beyond single requests: its session with the meta group (its locks, leases
 * and open files belong to it), its cluster-wide locks, and the VFS of open files, made on first
 * use (it needs the data layout, which it asks the meta group for).
 *
 * <p>{@link #ifStarted} takes no lock: it runs in completions of meta replies (the client's view of
 * a stat over an open file), and the layout reply {@link #get} waits for under the lock may come in
 * the same batch, completed after that stat on the same thread: a lock there deadlocked the first
 * open against a concurrent stat until the call deadline (60 s, then ETIMEDOUT).
 */
final class FileLayer implements AutoCloseable {
  /** How often an open client asks for the layout: data groups and meta members move. */
  static final long LAYOUT_REFRESH_MS = 2_000;

  private static final Caller ROOT = Caller.newBuilder().setUid(0).setGid(0).build();

  private final MetaClient meta;
  private final ClientSession session;
  private final ClusterLocks locks;
  private volatile Vfs vfs;
  private volatile BlockClient blocks;
  private volatile long epoch = -1;
  private volatile boolean closed;
  private Thread refresher;
  private volatile LongConsumer contentsChanged = ino -> {};

  FileLayer(MetaClient meta, ClientSession.Description description, boolean leases) {
    this.meta = meta;
    this.session = new ClientSession(meta, description);
    this.locks = new ClusterLocks(meta, session, MonoClock.SYSTEM, leases);
    locks.keepCoherent(new LockCoherence());
  }

  /**
   * At a lock handover, the file open here: its writes committed before the lock goes; its cached
   * contents checked against the namespace after a grant (a read), dropped here and in the kernel
   * (through {@link #contentsChanged}) if another session changed them.
   */
  private final class LockCoherence implements ClusterLocks.Coherence {
    @Override
    public void beforeRelease(long ino) throws HearthException {
      OpenInode n = open(ino);
      if (n != null) {
        n.commitNow();
      }
    }

    @Override
    public void afterGrant(long ino) throws HearthException {
      OpenInode n = open(ino);
      if (n != null) {
        MetaRequest stat =
            MetaRequest.newBuilder()
                .setCaller(ROOT)
                .setLookup(LookupReq.newBuilder().setLoc(Inodes.at(ino)))
                .build();
        n.observe(Futures.join(meta.read(stat)).getAttr());
      }
    }

    private OpenInode open(long ino) {
      Vfs v = vfs;
      return v == null ? null : v.find(ino);
    }
  }

  synchronized Vfs get() throws HearthException {
    if (vfs == null) {
      LayoutReply l = fetchLayout();
      BlockClient b = new BlockClient(l);
      b.onStale(this::refreshQuietly);
      meta.followMembers(metaPeers(l));
      epoch = l.getEpoch();
      blocks = b;
      vfs = new Vfs(meta, b, ino -> contentsChanged.accept(ino), locks, this::closedHere);
      refresher = Thread.ofVirtual().name("layout-refresh").start(this::refreshLoop);
    }
    return vfs;
  }

  /** The last handle of a file here closed: its claim and its lease may go. */
  private void closedHere(long ino) {
    session.closed(ino);
    locks.forget(ino);
  }

  ClientSession session() {
    return session;
  }

  ClusterLocks locks() {
    return locks;
  }

  private LayoutReply fetchLayout() throws HearthException {
    return Futures.join(
            meta.read(
                MetaRequest.newBuilder()
                    .setCaller(ROOT)
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

  /** Who hears that an open file's contents changed elsewhere (its inode number). */
  void invalidateThrough(LongConsumer listener) {
    this.contentsChanged = listener;
  }

  /** The VFS if something started it, else null; takes no lock (see the class comment). */
  Vfs ifStarted() {
    return vfs;
  }

  /** Flushes open files, then ends the session (its locks go at once). */
  @Override
  public synchronized void close() {
    closed = true;
    if (refresher != null) {
      refresher.interrupt();
    }
    if (vfs != null) {
      vfs.close();
    }
    session.close();
  }
}
