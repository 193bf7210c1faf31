package io.hearth.server.meta;

import com.google.protobuf.InvalidProtocolBufferException;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.meta.DigestReply;
import io.hearth.protocol.meta.MetaEntry;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.SessionInfo;
import io.hearth.protocol.meta.SessionList;
import io.hearth.rpc.MonoClock;
import io.hearth.rpc.Refusal;
import io.hearth.server.LifecycleStateMachine;
import io.hearth.server.meta.ops.MetaOps;
import io.hearth.server.meta.ops.Namespace;
import io.hearth.server.meta.ops.OpContext;
import io.hearth.server.meta.ops.Sessions;
import io.hearth.server.meta.store.MetaStore;
import io.hearth.server.meta.store.Txn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The namespace replicated by the meta Raft group.
 *
 * <p>Guarantees: a write request becomes one log entry; the leader checks that it parses and stamps
 * it with the time in {@link #startTransaction}, so that {@link #applyTransaction} is a pure
 * function of the entry and the store, and every replica commits the same WriteBatch for it (with
 * the applied index inside). Expected failures (ENOENT, EACCES...) are replies, not exceptions, and
 * leave the store unchanged. Anything else failing inside apply is a broken invariant: the process
 * stops ({@code fatal}) rather than let the replica diverge.
 *
 * <p>Reads ({@link #query}) run on a RocksDB snapshot; with Ratis's LINEARIZABLE read option they
 * are served after a ReadIndex check, so they see every write acknowledged before they started.
 *
 * <p>Threads: Ratis calls startTransaction on its request threads, applyTransaction and
 * takeSnapshot on its single apply thread, query on request threads. The store is swapped only by
 * {@link #reinitialize} (after a snapshot install), under the write lock; queries hold the read
 * lock.
 *
 * <p>States follow Ratis's LifeCycle: NEW -> STARTING -> RUNNING; pause() goes RUNNING -> PAUSING
 * -> PAUSED while a snapshot is installed, reinitialize() goes back through STARTING to RUNNING.
 */
public final class MetaStateMachine extends LifecycleStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(MetaStateMachine.class);

  private final CheckpointStorage storage = new CheckpointStorage();
  private final ReadWriteLock storeLock = new ReentrantReadWriteLock();
  private final MetaOps ops;
  private final Consumer<Throwable> fatal;
  private final SessionHub sessions;
  private volatile MetaStore store;

  /**
   * @param clock the leader's time source for operations
   * @param ops the namespace operations
   * @param fatal called with the cause when a broken invariant must stop the process
   */
  public MetaStateMachine(Clock clock, MetaOps ops, Consumer<Throwable> fatal) {
    this(clock, MonoClock.SYSTEM, ops, fatal);
  }

  /**
   * @param monoClock session deadlines and held polls ({@link SessionHub})
   */
  public MetaStateMachine(
      Clock clock, MonoClock monoClock, MetaOps ops, Consumer<Throwable> fatal) {
    super(clock);
    this.ops = ops;
    this.fatal = fatal;
    this.sessions = new SessionHub(monoClock);
  }

  /** What the leader knows of client sessions in memory. */
  public SessionHub sessions() {
    return sessions;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    openStore();
    checkpointIfStoreAhead();
    started();
  }

  /**
   * Opens the live db (from the newest checkpoint if there is no live db) and takes its applied
   * index, or the checkpoint's if later: entries between them changed only the Raft configuration.
   */
  private void openStore() throws IOException {
    TermIndex snap = storage.latestTermIndex();
    Path db = storage.dbDir();
    if (!Files.exists(db) && snap != null) {
      CheckpointStorage.linkCopy(storage.checkpointDir(snap), db);
    }
    store = MetaStore.open(db);
    long[] applied = store.applied();
    TermIndex ti = TermIndex.valueOf(applied[0], applied[1]);
    if (snap != null && snap.getIndex() > ti.getIndex()) {
      ti = snap;
    }
    setLastAppliedTermIndex(ti);
    LOG.info("{}: namespace opened at {} (latest snapshot {})", getId(), ti, snap);
  }

  /**
   * Ratis resumes applying after the latest snapshot, not after the applied index the store keeps:
   * after a crash (no snapshot taken at stop) it would re-apply entries the store already holds,
   * and fail on the first one ("Failed updateLastAppliedTermIndex: newTI = (t:1, i:0) < oldTI =
   * (t:1, i:765)", the group then shuts down). A checkpoint of the store as it is makes the latest
   * snapshot the store's applied index, so replay starts at the first entry it lacks.
   */
  private void checkpointIfStoreAhead() throws IOException {
    TermIndex snap = storage.latestTermIndex();
    TermIndex applied = getLastAppliedTermIndex();
    if (applied.getIndex() >= 0 && (snap == null || applied.getIndex() > snap.getIndex())) {
      takeSnapshot();
    }
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return storage.getLatestSnapshot();
  }

  /** Called after a snapshot was installed from the leader: the live db becomes that snapshot. */
  @Override
  public void reinitialize() throws IOException {
    storeLock.writeLock().lock();
    try {
      MetaStore old = store;
      if (old != null) {
        old.close();
      }
      CheckpointStorage.deleteTree(storage.dbDir());
      openStore();
    } finally {
      storeLock.writeLock().unlock();
    }
    resumed();
  }

  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    TransactionContext.Builder b =
        TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request);
    ByteString content = request.getMessage().getContent();
    try {
      if (content.size() > Limits.META_REQUEST_MAX_BYTES) {
        throw new HearthException(Errno.E2BIG, "request of " + content.size() + " bytes");
      }
      checkWrite(parse(content));
      MetaEntry entry =
          MetaEntry.newBuilder()
              .setTimeNs(nowNs())
              .setRequest(com.google.protobuf.ByteString.copyFrom(content.asReadOnlyByteBuffer()))
              .build();
      return b.setLogData(ByteString.copyFrom(entry.toByteArray())).build();
    } catch (HearthException e) {
      TransactionContext t = b.build();
      t.setException(Refusal.of(e));
      return t;
    }
  }

  /** What the leader refuses to log: unknown ops, reads sent as writes, bad batches. */
  private void checkWrite(MetaRequest req) throws HearthException {
    if (req.getOpCase() == MetaRequest.OpCase.BATCH) {
      int n = req.getBatch().getRequestsCount();
      if (n == 0 || n > Limits.BATCH_REQUESTS_MAX) {
        throw new HearthException(Errno.E2BIG, "batch of " + n + " requests");
      }
      if (!ops.allOfKind(req.getBatch(), false)) {
        throw new HearthException(Errno.EINVAL, "a write batch may hold only known writes");
      }
      return;
    }
    if (req.getOpCase() == MetaRequest.OpCase.OP_NOT_SET || ops.op(req) == null) {
      throw new HearthException(Errno.ENOSYS, "unknown operation");
    }
    if (ops.isReadOnly(req)) {
      throw new HearthException(Errno.EINVAL, req.getOpCase() + " is a read, sent as a write");
    }
  }

  private static MetaRequest parse(ByteString content) throws HearthException {
    try {
      return MetaRequest.parseFrom(content.asReadOnlyByteBuffer());
    } catch (InvalidProtocolBufferException e) {
      throw new HearthException(Errno.EINVAL, "malformed request: " + e.getMessage());
    }
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long term = entry.getTerm();
    long index = entry.getIndex();
    try {
      MetaEntry me =
          MetaEntry.parseFrom(entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
      MetaRequest req = MetaRequest.parseFrom(me.getRequest());
      MetaReply reply;
      OpContext ctx;
      // The first entry of a new namespace also gives the root its times (MetaStore#writeTxn).
      try (Txn txn = store.writeTxn(me.getTimeNs())) {
        ctx = new OpContext(txn, req.getCaller(), me.getTimeNs(), index);
        reply = ops.run(ctx, req);
        store.commit(txn, term, index);
      }
      updateLastAppliedTermIndex(term, index);
      sessions.dispatch(ctx.effects().all());
      return CompletableFuture.completedFuture(toMessage(reply));
    } catch (Throwable t) {
      LOG.error("{}: broken invariant applying entry {}:{}; stopping", getId(), term, index, t);
      fatal.accept(t);
      return CompletableFuture.failedFuture(t);
    }
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    storeLock.readLock().lock();
    try {
      MetaRequest req = parse(request.getContent());
      if (req.getOpCase() == MetaRequest.OpCase.DIGEST) {
        return CompletableFuture.completedFuture(toMessage(digest()));
      }
      if (req.getOpCase() == MetaRequest.OpCase.SESSION_POLL) {
        return sessions
            .poll(req.getSessionPoll())
            .handle(
                (r, t) ->
                    toMessage(
                        t == null
                            ? r
                            : MetaOps.error(
                                t instanceof HearthException h
                                    ? h
                                    : new HearthException(Errno.EIO, String.valueOf(t)))));
      }
      boolean batch = req.getOpCase() == MetaRequest.OpCase.BATCH;
      if (batch
          ? req.getBatch().getRequestsCount() > Limits.BATCH_REQUESTS_MAX
              || !ops.allOfKind(req.getBatch(), true)
          : !ops.isReadOnly(req)) {
        throw new HearthException(Errno.EINVAL, req.getOpCase() + " is not a read");
      }
      try (Txn txn = store.readTxn()) {
        OpContext ctx = OpContext.read(txn, req.getCaller(), nowNs(), sessions);
        MetaReply reply = ops.run(ctx, req);
        sessions.dispatch(ctx.effects().all());
        if (reply.hasSessions()) {
          reply = withLastHeard(reply);
        }
        return CompletableFuture.completedFuture(toMessage(reply));
      }
    } catch (HearthException e) {
      return CompletableFuture.completedFuture(toMessage(MetaOps.error(e)));
    } finally {
      storeLock.readLock().unlock();
    }
  }

  /** A session list with when the leader last heard from each. */
  private MetaReply withLastHeard(MetaReply reply) {
    Map<Long, SessionHub.Heard> heard = sessions.heard();
    SessionList.Builder b = reply.getSessions().toBuilder();
    for (SessionInfo.Builder s : b.getSessionsBuilderList()) {
      SessionHub.Heard h = heard.getOrDefault(s.getSession(), new SessionHub.Heard(-1, -1));
      s.setLastHeardMsAgo(h.lastHeardMsAgo()).setOpenFiles(h.openFiles());
    }
    return reply.toBuilder().setSessions(b).build();
  }

  /** Up to {@code max} orphans (files with no name left), for the session keeper. */
  List<Long> orphans(int max) {
    storeLock.readLock().lock();
    try (Txn txn = store.readTxn()) {
      return Namespace.orphans(txn, max);
    } finally {
      storeLock.readLock().unlock();
    }
  }

  /**
   * This member's leadership is ready (Ratis calls it on the apply thread once the leader's first
   * entry is applied, so the store holds every session): the hub starts, every session with a fresh
   * TTL.
   */
  @Override
  public void notifyLeaderReady() {
    List<SessionInfo> open;
    storeLock.readLock().lock();
    try (Txn txn = store.readTxn()) {
      open = Sessions.all(txn);
    } finally {
      storeLock.readLock().unlock();
    }
    sessions.activate(open, getLastAppliedTermIndex().getTerm());
    LOG.info("{}: leading; {} sessions, each with a fresh TTL", getId(), open.size());
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeaderId) {
    super.notifyLeaderChanged(member, newLeaderId);
    if (!member.getPeerId().equals(newLeaderId)) {
      sessions.deactivate();
    }
  }

  private MetaReply digest() {
    MetaStore.Digest d = store.digest();
    return MetaReply.newBuilder()
        .setDigest(
            DigestReply.newBuilder()
                .setSha256(com.google.protobuf.ByteString.copyFrom(d.sha256()))
                .setAppliedIndex(d.appliedIndex())
                .setKeys(d.keys()))
        .build();
  }

  private static Message toMessage(MetaReply reply) {
    return Message.valueOf(ByteString.copyFrom(reply.toByteArray()));
  }

  /** A RocksDB checkpoint of the state at the last applied index; runs on the apply thread. */
  @Override
  public long takeSnapshot() throws IOException {
    TermIndex last = getLastAppliedTermIndex();
    if (last == null || last.getIndex() < 0) {
      return -1;
    }
    Path target = storage.checkpointDir(last);
    if (!Files.exists(target)) {
      Path tmp = storage.tmpDir().resolve("cp-" + last.getIndex() + "-" + System.nanoTime());
      store.checkpoint(tmp);
      Files.move(tmp, target);
      LOG.info("{}: snapshot {} taken", getId(), last);
    }
    storage.keepNewest(2);
    return last.getIndex();
  }

  /**
   * A RocksDB integer property of the live store, or -1 while there is none (closed, or being
   * replaced by an installed snapshot); for metrics, from any thread.
   */
  public long rocksProperty(String name) {
    if (!storeLock.readLock().tryLock()) {
      return -1;
    }
    try {
      MetaStore s = store;
      return s == null ? -1 : s.longProperty(name);
    } finally {
      storeLock.readLock().unlock();
    }
  }

  @Override
  public void close() throws IOException {
    sessions.deactivate();
    storeLock.writeLock().lock();
    try {
      if (store != null) {
        store.close();
        store = null;
      }
    } finally {
      storeLock.writeLock().unlock();
    }
    super.close();
  }
}
