package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.SessionExpireReq;
import io.hearth.protocol.meta.SessionInfo;
import io.hearth.protocol.meta.SessionList;
import io.hearth.protocol.meta.SessionOpenReq;
import io.hearth.server.meta.store.KeySchema;
import io.hearth.server.meta.store.Txn;

/** Opening, ending and listing client sessions; the poll itself is the leader's (SessionHub). */
final class SessionOps {
  private SessionOps() {}

  /** A new session, its id from the entry's log index (unique for the cluster's life). */
  static final class Open implements MetaOp {
    @Override
    public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
      SessionOpenReq o = req.getSessionOpen();
      if (o.getClientId().size() > 64
          || o.getHost().length() > 256
          || o.getMountPoint().length() > 4096
          || o.getVersion().length() > 64) {
        throw new HearthException(Errno.EINVAL, "session description too long");
      }
      int ttl = o.getTtlMs() == 0 ? Sessions.TTL_DEFAULT_MS : o.getTtlMs();
      if (ttl < Sessions.TTL_MIN_MS || ttl > Sessions.TTL_MAX_MS) {
        throw new HearthException(
            Errno.EINVAL,
            "session TTL "
                + ttl
                + " ms: must be "
                + Sessions.TTL_MIN_MS
                + " to "
                + Sessions.TTL_MAX_MS);
      }
      long id = ctx.newId();
      SessionInfo s =
          SessionInfo.newBuilder()
              .setSession(id)
              .setClientId(o.getClientId())
              .setHost(o.getHost())
              .setMountPoint(o.getMountPoint())
              .setVersion(o.getVersion())
              .setTtlMs(ttl)
              .setOpenedNs(ctx.nowNs())
              .build();
      ctx.txn().put(KeySchema.session(id), s.toByteArray());
      ctx.effects().add(new Effects.SessionOpened(id, ttl));
      return MetaReply.newBuilder().setSession(s).build();
    }

    @Override
    public boolean readOnly() {
      return false;
    }
  }

  /** A client ends its own session (unmount, close): everything it held goes. */
  static final class Close implements MetaOp {
    @Override
    public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
      long s = req.getSessionClose().getSession();
      if (!ctx.isRoot() && s != ctx.session()) {
        throw new HearthException(Errno.EPERM, "a client ends only its own session");
      }
      Sessions.end(ctx, s);
      return MetaOps.ok();
    }

    @Override
    public boolean readOnly() {
      return false;
    }
  }

  /** The leader ends sessions it stopped hearing from, or an admin evicts one. Root only. */
  static final class Expire implements MetaOp {
    @Override
    public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
      if (!ctx.isRoot()) {
        throw new HearthException(Errno.EPERM, "only root ends another's session");
      }
      SessionExpireReq e = req.getSessionExpire();
      int ended = 0;
      for (long s : e.getSessionsList()) {
        ended += Sessions.end(ctx, s) ? 1 : 0;
      }
      if (ended == 0 && !e.getReason().equals(Sessions.EXPIRED_BY_TTL)) {
        throw new HearthException(
            Errno.ENOENT,
            "no session " + e.getSessionsList() + " (hearth admin sessions lists them)");
      }
      return MetaOps.ok();
    }

    @Override
    public boolean readOnly() {
      return false;
    }
  }

  /** Every open session, with what it holds (the leader adds when it last heard from each). */
  static final class ListSessions implements MetaOp {
    @Override
    public MetaReply apply(OpContext ctx, MetaRequest req) {
      Txn txn = ctx.txn();
      SessionList.Builder out = SessionList.newBuilder();
      for (SessionInfo s : Sessions.all(txn)) {
        long id = s.getSession();
        out.addSessions(
            s.toBuilder()
                .setLocks(count(txn, KeySchema.sessionLocksPrefix(id)))
                .setWaiters(count(txn, KeySchema.sessionWaitersPrefix(id)))
                .setLeases(count(txn, KeySchema.sessionLeasesPrefix(id)))
                .setLastHeardMsAgo(-1));
      }
      return MetaReply.newBuilder().setSessions(out).build();
    }

    private static int count(Txn txn, byte[] prefix) {
      return txn.scan(prefix, null, 100_000).size();
    }

    @Override
    public boolean readOnly() {
      return true;
    }
  }

  /**
   * The keep-alive: a read the leader's session hub answers (MetaStateMachine routes it there
   * before any op runs); reaching this op means no hub took it.
   */
  static final class Poll implements MetaOp {
    @Override
    public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
      throw new HearthException(Errno.EHOSTUNREACH, "not the meta leader: ask the leader");
    }

    @Override
    public boolean readOnly() {
      return true;
    }
  }
}
