package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.LeaseReply;
import io.hearth.protocol.meta.LockReply;
import io.hearth.protocol.meta.LockReq;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.posix.LockTable;
import io.hearth.server.meta.store.KeySchema;
import io.hearth.server.meta.store.Txn;
import java.util.List;
import java.util.Optional;

/**
 * The lock operations of sessions (see {@link LockState}): set (F_SETLK, F_SETLKW, flock), release
 * (a close), test (F_GETLK), a waiter's cancel (EINTR) and state, and leases on a file's locks. A
 * request of another session on a file whose lease one session holds is answered RECALLING (ask
 * again shortly) and the leader recalls the lease ({@link Effects.Recall}).
 */
final class LockOps {
  private LockOps() {}

  private static long session(OpContext ctx) throws HearthException {
    if (ctx.session() == 0) {
      throw new HearthException(Errno.EINVAL, "lock requests need a session");
    }
    return ctx.session();
  }

  private static int kind(LockReq r) throws HearthException {
    if (r.getKind() != LockState.POSIX && r.getKind() != LockState.FLOCK) {
      throw new HearthException(Errno.EINVAL, "lock kind " + r.getKind());
    }
    return r.getKind();
  }

  private static LockTable.Lock checked(long session, LockReq r) throws HearthException {
    if (r.getType() > 2) {
      throw new HearthException(Errno.EINVAL, "lock type " + r.getType());
    }
    if (r.getEnd() != 0 && r.getEnd() <= r.getStart()) {
      throw new HearthException(
          Errno.EINVAL, "lock range [" + r.getStart() + ", " + r.getEnd() + ")");
    }
    return LockState.lock(session, r);
  }

  private static void checkFile(Txn txn, long ino) throws HearthException {
    Namespace.load(txn, ino); // ENOENT for no such inode
  }

  /** RECALLING, and the lease recalled, when another session holds the file's lease. */
  private static MetaReply recallIfLeased(OpContext ctx, long ino, long session) {
    long holder = LockState.leaseHolder(ctx.txn(), ino);
    if (holder == 0 || holder == session) {
      return null;
    }
    ctx.effects().add(new Effects.Recall(holder, ino));
    return reply(
        LockReply.newBuilder().setOutcome(LockReply.Outcome.RECALLING).setHolderSession(holder));
  }

  private static MetaReply reply(LockReply.Builder r) {
    return MetaReply.newBuilder().setLock(r).build();
  }

  private static LockReply.Builder outcome(LockReply.Outcome o) {
    return LockReply.newBuilder().setOutcome(o);
  }

  /** F_SETLK / F_SETLKW / flock, and unlocking. */
  static final class Set implements MetaOp {
    @Override
    public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
      LockReq r = req.getLock();
      long session = session(ctx);
      int kind = kind(r);
      LockTable.Lock want = checked(session, r);
      Txn txn = ctx.txn();
      checkFile(txn, r.getIno());
      MetaReply recalling = recallIfLeased(ctx, r.getIno(), session);
      if (recalling != null) {
        return recalling;
      }
      List<LockTable.Lock> before = LockState.table(txn, r.getIno(), kind);
      List<LockTable.Lock> table = before;
      if (kind == LockState.FLOCK) {
        // a conversion releases first, as Linux's does: another may get the lock in between
        table = LockTable.releaseAll(table, want.owner());
      }
      if (want.type() == LockTable.Type.UNLOCK || LockTable.conflict(table, want).isEmpty()) {
        LockState.save(txn, r.getIno(), kind, before, LockTable.apply(table, want));
        LockState.grantWaiters(ctx, r.getIno(), kind);
        return reply(outcome(LockReply.Outcome.GRANTED));
      }
      boolean released = table != before;
      if (released) {
        LockState.save(txn, r.getIno(), kind, before, table);
        LockState.grantWaiters(ctx, r.getIno(), kind);
      }
      if (!r.getWait()) {
        HearthException busy = new HearthException(Errno.EAGAIN, "held by another");
        if (released) {
          // as Linux's flock: the old lock stays released though the new one is refused
          return MetaOps.error(busy);
        }
        throw busy;
      }
      if (kind == LockState.POSIX && LockState.wouldDeadlock(txn, r.getIno(), want)) {
        throw new HearthException(Errno.EDEADLK, "waiting would deadlock");
      }
      if (LockState.waiters(txn, r.getIno(), kind).size() >= LockState.WAITERS_PER_FILE_MAX) {
        throw new HearthException(
            Errno.ENOLCK, LockState.WAITERS_PER_FILE_MAX + " requests already wait for this file");
      }
      long id = ctx.newId();
      LockState.addWaiter(txn, r.getIno(), kind, id, want);
      return reply(outcome(LockReply.Outcome.WAITING).setWaiter(id));
    }

    @Override
    public boolean readOnly() {
      return false;
    }
  }

  /** Every lock of an owner on a file goes (a close). */
  static final class Release implements MetaOp {
    @Override
    public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
      var r = req.getLockRelease();
      long session = session(ctx);
      int kind = r.getKind() == LockState.FLOCK ? LockState.FLOCK : LockState.POSIX;
      Txn txn = ctx.txn();
      List<LockTable.Lock> before = LockState.table(txn, r.getIno(), kind);
      List<LockTable.Lock> after =
          LockTable.releaseAll(before, new LockTable.Owner(session, r.getOwner()));
      if (!after.equals(before)) {
        LockState.save(txn, r.getIno(), kind, before, after);
        LockState.grantWaiters(ctx, r.getIno(), kind);
      }
      return reply(outcome(LockReply.Outcome.GRANTED));
    }

    @Override
    public boolean readOnly() {
      return false;
    }
  }

  /** F_GETLK. */
  static final class Test implements MetaOp {
    @Override
    public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
      LockReq r = req.getLockTest().getLock();
      long session = ctx.session();
      int kind = kind(r);
      LockTable.Lock want = checked(session, r);
      Txn txn = ctx.txn();
      checkFile(txn, r.getIno());
      MetaReply recalling = recallIfLeased(ctx, r.getIno(), session);
      if (recalling != null) {
        return recalling; // the holder's locks are in its client until it hands them back
      }
      Optional<LockTable.Lock> c = LockState.conflict(txn, r.getIno(), kind, want);
      if (c.isEmpty()) {
        return reply(outcome(LockReply.Outcome.FREE));
      }
      return reply(
          outcome(LockReply.Outcome.CONFLICT)
              .setHolder(LockState.request(c.get(), r.getIno(), kind))
              .setHolderSession(c.get().owner().session()));
    }

    @Override
    public boolean readOnly() {
      return true;
    }
  }

  /** A waiter gives up; GRANTED if it was granted first. */
  static final class Cancel implements MetaOp {
    @Override
    public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
      var r = req.getLockCancel();
      long session = session(ctx);
      for (int kind : new int[] {LockState.POSIX, LockState.FLOCK}) {
        LockTable.Lock w = LockState.waiters(ctx.txn(), r.getIno(), kind).get(r.getWaiter());
        if (w != null && w.owner().session() == session) {
          LockState.removeWaiter(ctx.txn(), r.getIno(), kind, r.getWaiter(), session);
          return reply(outcome(LockReply.Outcome.CANCELLED));
        }
      }
      return reply(outcome(LockReply.Outcome.GRANTED));
    }

    @Override
    public boolean readOnly() {
      return false;
    }
  }

  /** Whether a waiter still waits (a client that lost a grant event asks). */
  static final class Wait implements MetaOp {
    @Override
    public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
      var r = req.getLockWait();
      for (int kind : new int[] {LockState.POSIX, LockState.FLOCK}) {
        if (ctx.txn().get(KeySchema.waiter(r.getIno(), kind, r.getWaiter())) != null) {
          return reply(outcome(LockReply.Outcome.WAITING).setWaiter(r.getWaiter()));
        }
      }
      return reply(outcome(LockReply.Outcome.GRANTED));
    }

    @Override
    public boolean readOnly() {
      return true;
    }
  }

  /**
   * A lease on a file's locks, granted when no other session holds, waits for or leases them: the
   * holder then locks and unlocks in its own client until the lease is recalled.
   */
  static final class Lease implements MetaOp {
    @Override
    public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
      long ino = req.getLease().getIno();
      long session = session(ctx);
      Txn txn = ctx.txn();
      checkFile(txn, ino);
      long holder = LockState.leaseHolder(txn, ino);
      boolean granted;
      if (holder == session) {
        granted = true;
      } else if (holder != 0 || LockState.othersUse(txn, ino, session)) {
        granted = false;
      } else {
        LockState.grantLease(txn, ino, session);
        granted = true;
      }
      return MetaReply.newBuilder().setLease(LeaseReply.newBuilder().setGranted(granted)).build();
    }

    @Override
    public boolean readOnly() {
      return false;
    }
  }

  /** The holder hands its lease back with the locks it took under it. */
  static final class LeaseReturn implements MetaOp {
    @Override
    public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
      var r = req.getLeaseReturn();
      long session = session(ctx);
      Txn txn = ctx.txn();
      if (LockState.leaseHolder(txn, r.getIno()) == session) {
        LockState.dropLease(txn, r.getIno(), session);
        ctx.effects().add(new Effects.Returned(session, r.getIno()));
      }
      for (LockReq l : r.getLocksList()) {
        int kind = kind(l);
        LockTable.Lock want = checked(session, l);
        List<LockTable.Lock> before = LockState.table(txn, r.getIno(), kind);
        if (want.type() != LockTable.Type.UNLOCK && LockTable.conflict(before, want).isEmpty()) {
          LockState.save(txn, r.getIno(), kind, before, LockTable.apply(before, want));
        }
      }
      return MetaReply.newBuilder().setLease(LeaseReply.newBuilder().setGranted(false)).build();
    }

    @Override
    public boolean readOnly() {
      return false;
    }
  }
}
