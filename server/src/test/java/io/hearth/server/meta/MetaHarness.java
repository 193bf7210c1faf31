package io.hearth.server.meta;

import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.meta.LayoutReply;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.ReapOrphansReq;
import io.hearth.protocol.meta.SessionExpireReq;
import io.hearth.server.loop.ManualMonoClock;
import io.hearth.server.meta.ops.MetaOps;
import io.hearth.server.meta.ops.Namespace;
import io.hearth.server.meta.ops.OpContext;
import io.hearth.server.meta.ops.Sessions;
import io.hearth.server.meta.ops.StatfsOp;
import io.hearth.server.meta.store.MetaStore;
import io.hearth.server.meta.store.Txn;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The meta state machine without Raft: a real MetaStore, and requests applied the way {@link
 * MetaStateMachine#applyTransaction} applies a log entry (next log index, the entry's time, writes
 * discarded on error, one commit per entry) or answered the way {@link MetaStateMachine#query}
 * answers a read. Time is whatever the test sets; it never moves by itself.
 */
public final class MetaHarness implements AutoCloseable {
  /** Log term recorded with every commit; the harness has no elections. */
  private static final long TERM = 1;

  private final MetaStore store;
  private final MetaOps ops;
  private final ManualMonoClock clock = new ManualMonoClock();
  private final SessionHub hub = new SessionHub(clock);
  private long index;
  private long term = 1;
  private long nowNs = 1_000_000_000_000L;

  public MetaHarness(Path dir) throws IOException {
    this(dir, LayoutReply.getDefaultInstance(), MetaOps.COMMIT_WINDOW_NS);
  }

  /** A harness whose layout op answers {@code layout} and whose writes use that commit window. */
  public MetaHarness(Path dir, LayoutReply layout, long commitWindowNs) throws IOException {
    this.store = MetaStore.open(dir);
    this.ops = new MetaOps(new FixedCapacity(), map -> layout, commitWindowNs);
    hub.activate(List.of(), term); // the harness leads from the start
  }

  /** The leader's session hub, acting on what entries and reads do, as on the meta leader. */
  public SessionHub hub() {
    return hub;
  }

  /** The hub's clock: session deadlines and held polls. */
  public ManualMonoClock clock() {
    return clock;
  }

  /** A new leader: the hub starts over from the sessions the namespace holds. */
  public void newLeader() {
    hub.deactivate();
    try (Txn txn = store.readTxn()) {
      hub.activate(Sessions.all(txn), ++term);
    }
  }

  public MetaOps ops() {
    return ops;
  }

  public MetaStore store() {
    return store;
  }

  public long nowNs() {
    return nowNs;
  }

  /** Moves the leader's clock; later entries carry the new time. */
  public void advanceNs(long ns) {
    nowNs += ns;
  }

  /** A read goes the query() way, a write through the log; as a client picks. */
  public MetaReply send(MetaRequest req) {
    return ops.isReadOnly(req) ? query(req) : apply(req);
  }

  /** One log entry: applied at the next index, committed whether or not it failed. */
  public MetaReply apply(MetaRequest req) {
    if (ops.isReadOnly(req)) {
      throw new IllegalArgumentException(
          req.getOpCase() + " is a read; startTransaction refuses it");
    }
    index++;
    MetaReply reply;
    OpContext ctx;
    try (Txn txn = store.writeTxn(nowNs)) {
      ctx = new OpContext(txn, req.getCaller(), nowNs, index);
      reply = ops.run(ctx, req);
      store.commit(txn, TERM, index);
    }
    hub.dispatch(ctx.effects().all());
    return reply;
  }

  /** A read on a snapshot; it must not write (query() would silently drop what it wrote). */
  public MetaReply query(MetaRequest req) {
    if (req.getOpCase() == MetaRequest.OpCase.SESSION_POLL) {
      return hub.poll(req.getSessionPoll()).join();
    }
    try (Txn txn = store.readTxn()) {
      OpContext ctx = OpContext.read(txn, req.getCaller(), nowNs, hub);
      MetaReply reply = ops.run(ctx, req);
      if (txn.hasWrites()) {
        throw new AssertionError(req.getOpCase() + " is read-only but wrote");
      }
      hub.dispatch(ctx.effects().all());
      return reply;
    }
  }

  /**
   * One step of the leader's session keeper ({@link SessionKeeper#step}): expired sessions end,
   * orphans no session holds are reaped.
   */
  public void keeperStep() {
    List<Long> expired = hub.expired();
    if (!expired.isEmpty()) {
      check(
          apply(
              MetaRequest.newBuilder()
                  .setCaller(Caller.getDefaultInstance())
                  .setSessionExpire(SessionExpireReq.newBuilder().addAllSessions(expired))
                  .build()));
    }
    List<Long> orphans;
    try (Txn txn = store.readTxn()) {
      orphans = Namespace.orphans(txn, 1024);
    }
    List<Long> reap = hub.beginReap(orphans);
    if (!reap.isEmpty()) {
      check(
          apply(
              MetaRequest.newBuilder()
                  .setCaller(Caller.getDefaultInstance())
                  .setReapOrphans(ReapOrphansReq.newBuilder().addAllInos(reap))
                  .build()));
      hub.endReap(reap);
    }
  }

  private static void check(MetaReply r) {
    if (r.getErrno() != 0) {
      throw new AssertionError("keeper step failed: " + r.getError());
    }
  }

  @Override
  public void close() {
    store.close();
  }

  private static final class FixedCapacity implements StatfsOp.Capacity {
    @Override
    public long totalBytes() {
      return 1L << 40;
    }

    @Override
    public long freeBytes() {
      return 1L << 39;
    }

    @Override
    public long availableBytes() {
      return 1L << 39;
    }
  }
}
