package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.ClusterMap;
import io.hearth.protocol.meta.LayoutReply;
import io.hearth.protocol.meta.MetaBatch;
import io.hearth.protocol.meta.MetaBatchReply;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.rpc.ReplyCodec;
import io.hearth.server.OpRecorder;
import io.hearth.server.meta.store.InodeRecord;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Function;

/** Routes a request to its operation and turns an expected failure into an errno reply. */
public final class MetaOps {
  private final Map<MetaRequest.OpCase, MetaOp> ops = new EnumMap<>(MetaRequest.OpCase.class);

  /** Default commit window: how long after its commit a block may still be referenced. */
  public static final long COMMIT_WINDOW_NS = Duration.ofMinutes(30).toNanos();

  /** Ops without data groups: an empty layout and the default commit window. */
  public MetaOps(StatfsOp.Capacity capacity) {
    this(capacity, map -> LayoutReply.getDefaultInstance(), COMMIT_WINDOW_NS);
  }

  /**
   * @param capacity the storage statfs reports
   * @param layout the layout op's answer for the stored cluster map (null before the first)
   * @param commitWindowNs how long after its commit (BlockRef.committed_ns) a block may still be
   *     referenced by a write; orphan GC must wait at least twice this long
   */
  public MetaOps(
      StatfsOp.Capacity capacity, Function<ClusterMap, LayoutReply> layout, long commitWindowNs) {
    if (commitWindowNs < 0) {
      throw new IllegalArgumentException("negative commit window " + commitWindowNs);
    }
    ops.put(MetaRequest.OpCase.LOOKUP, new LookupOp());
    ops.put(MetaRequest.OpCase.MKDIR, new MkdirOp());
    ops.put(MetaRequest.OpCase.READDIR, new ReaddirOp());
    ops.put(MetaRequest.OpCase.STATFS, new StatfsOp(capacity));
    ops.put(MetaRequest.OpCase.SETATTR, new SetattrOp());
    ops.put(MetaRequest.OpCase.MKNOD, new MknodOp());
    ops.put(MetaRequest.OpCase.UNLINK, new UnlinkOp());
    ops.put(MetaRequest.OpCase.RMDIR, new RmdirOp());
    ops.put(MetaRequest.OpCase.RENAME, new RenameOp());
    ops.put(MetaRequest.OpCase.LINK, new LinkOp());
    ops.put(MetaRequest.OpCase.SYMLINK, new SymlinkOp());
    ops.put(MetaRequest.OpCase.READLINK, new ReadlinkOp());
    ops.put(MetaRequest.OpCase.ACCESS, new AccessOp());
    ops.put(MetaRequest.OpCase.SETXATTR, new SetxattrOp());
    ops.put(MetaRequest.OpCase.GETXATTR, new GetxattrOp());
    ops.put(MetaRequest.OpCase.LISTXATTR, new ListxattrOp());
    ops.put(MetaRequest.OpCase.REMOVEXATTR, new RemovexattrOp());
    ops.put(MetaRequest.OpCase.WRITE, new WriteOp(commitWindowNs));
    ops.put(MetaRequest.OpCase.READ_MAP, new ReadMapOp());
    ops.put(MetaRequest.OpCase.LAYOUT, new LayoutOp(layout));
    ops.put(MetaRequest.OpCase.GC_LIST, new GcListOp());
    ops.put(MetaRequest.OpCase.GC_DONE, new GcDoneOp());
    ops.put(MetaRequest.OpCase.UNREFERENCED, new UnreferencedOp());
    ops.put(MetaRequest.OpCase.MAP_GET, new MapGetOp());
    ops.put(MetaRequest.OpCase.MAP_SET, new MapSetOp());
    ops.put(MetaRequest.OpCase.OPEN, new OpenOp());
    ops.put(MetaRequest.OpCase.REAP_ORPHANS, new ReapOrphansOp());
    ops.put(MetaRequest.OpCase.SESSION_OPEN, new SessionOps.Open());
    ops.put(MetaRequest.OpCase.SESSION_CLOSE, new SessionOps.Close());
    ops.put(MetaRequest.OpCase.SESSION_EXPIRE, new SessionOps.Expire());
    ops.put(MetaRequest.OpCase.SESSION_LIST, new SessionOps.ListSessions());
    ops.put(MetaRequest.OpCase.SESSION_POLL, new SessionOps.Poll());
    ops.put(MetaRequest.OpCase.LOCK, new LockOps.Set());
    ops.put(MetaRequest.OpCase.LOCK_RELEASE, new LockOps.Release());
    ops.put(MetaRequest.OpCase.LOCK_TEST, new LockOps.Test());
    ops.put(MetaRequest.OpCase.LOCK_CANCEL, new LockOps.Cancel());
    ops.put(MetaRequest.OpCase.LOCK_WAIT, new LockOps.Wait());
    ops.put(MetaRequest.OpCase.LEASE, new LockOps.Lease());
    ops.put(MetaRequest.OpCase.LEASE_RETURN, new LockOps.LeaseReturn());
  }

  /**
   * Reports each request's op, outcome and duration to {@code recorder} (metrics). Per request, not
   * per log entry or read: a batch holds many. Call before the ops serve.
   */
  public void recordTo(OpRecorder recorder) {
    ops.replaceAll((opCase, op) -> new RecordedOp(opCase, op, recorder));
  }

  /** The op for a request, or null when this build does not know it. */
  public MetaOp op(MetaRequest req) {
    return ops.get(req.getOpCase());
  }

  /** Whether a request is answered without a log entry; unknown ops count as writes. */
  public boolean isReadOnly(MetaRequest req) {
    MetaOp op = op(req);
    return op != null && op.readOnly(req);
  }

  /** Runs a request, or each request of a batch; see {@link #execute} and {@link #executeBatch}. */
  public MetaReply run(OpContext ctx, MetaRequest req) {
    return req.getOpCase() == MetaRequest.OpCase.BATCH
        ? executeBatch(ctx, req.getBatch())
        : execute(ctx.forRequest(req.getCaller(), req.getSession()), req);
  }

  /**
   * Runs a request; the txn keeps its writes only when the reply is a success: a failed request
   * leaves nothing behind, whatever it had written before it failed.
   */
  public MetaReply execute(OpContext ctx, MetaRequest req) {
    MetaOp op = op(req);
    if (op == null) {
      return error(new HearthException(Errno.ENOSYS, "unknown operation " + req.getOpCase()));
    }
    int mark = ctx.txn().mark();
    int effects = ctx.effects().mark();
    try {
      if (req.getSession() != 0 && !op.readOnly(req)) {
        Sessions.checkLive(ctx.txn(), req.getSession());
      }
      return op.apply(ctx, req);
    } catch (HearthException e) {
      ctx.txn().rollback(mark);
      ctx.effects().rollback(effects);
      return error(e);
    }
  }

  /**
   * Runs the requests of a batch in order on one txn. Each request sees the effects of those before
   * it; a failed one leaves nothing behind and does not stop the others.
   */
  public MetaReply executeBatch(OpContext ctx, MetaBatch batch) {
    MetaBatchReply.Builder out = MetaBatchReply.newBuilder();
    for (MetaRequest r : batch.getRequestsList()) {
      out.addReplies(execute(ctx.forRequest(r.getCaller(), r.getSession()), r));
    }
    return MetaReply.newBuilder().setBatch(out).build();
  }

  /**
   * Whether every request of a batch is an op this build knows and of the given kind, so the batch
   * can go through the log (writes) or a read (reads) whole.
   */
  public boolean allOfKind(MetaBatch batch, boolean readOnly) {
    for (MetaRequest r : batch.getRequestsList()) {
      MetaOp op = op(r);
      if (op == null || op.readOnly(r) != readOnly) {
        return false;
      }
    }
    return true;
  }

  public static MetaReply error(HearthException e) {
    return ReplyCodec.metaError(e);
  }

  /** The reply of an op that answers with the inode's attributes. */
  public static MetaReply attr(InodeRecord r) {
    return MetaReply.newBuilder().setAttr(r.toAttr()).build();
  }

  public static MetaReply ok() {
    return MetaReply.getDefaultInstance();
  }
}
