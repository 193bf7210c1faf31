package io.hearth.server.meta;

import io.hearth.protocol.Groups;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.ReapOrphansReq;
import io.hearth.protocol.meta.SessionExpireReq;
import io.hearth.rpc.ClientCache;
import io.hearth.rpc.MonoClock;
import io.hearth.rpc.RaftClients;
import io.hearth.rpc.ReplyCodec;
import io.hearth.server.loop.LoopRunner;
import java.io.IOException;
import java.util.List;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The meta leader's hand on sessions: every {@link #STEP_MS} it ends the sessions the {@link
 * SessionHub} stopped hearing from (a log entry: their locks, waiters and leases go, and the
 * waiters they blocked are granted), and deletes the orphans no session holds open any more.
 *
 * <p>Threads: steps run one at a time on a {@link LoopRunner}, only while the hub is active (this
 * member leads). Each proposal goes through a Ratis client with the service profile's deadline; a
 * failed step is retried at the next one.
 */
public final class SessionKeeper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SessionKeeper.class);
  static final long STEP_MS = 200;

  /** Orphans deleted in one entry at most. */
  static final int REAP_BATCH_MAX = 1024;

  static final long FAILURE_DELAY_MAX_MS = 2_000;

  private static final RaftGroupId META = RaftGroupId.valueOf(Groups.META);

  private final RaftServer server;
  private final MetaStateMachine meta;
  private final SessionHub hub;
  private final ClientCache clients = new ClientCache(RaftClients.SERVICE);
  private final LoopRunner loop;

  public SessionKeeper(RaftServer server, MetaStateMachine meta, MonoClock clock) {
    this.server = server;
    this.meta = meta;
    this.hub = meta.sessions();
    this.loop =
        LoopRunner.onVirtualThreads(
            "session-keeper",
            clock,
            LoopRunner.Schedule.every(STEP_MS, FAILURE_DELAY_MAX_MS),
            hub::active,
            this::step);
  }

  public void start() {
    loop.start();
  }

  void step() throws IOException {
    List<Long> expired = hub.expired();
    if (!expired.isEmpty()) {
      LOG.info(
          "sessions {} expired (not heard from within their TTL, or a recall unanswered)", expired);
      propose(
          MetaRequest.newBuilder()
              .setSessionExpire(
                  SessionExpireReq.newBuilder()
                      .addAllSessions(expired)
                      .setReason(io.hearth.server.meta.ops.Sessions.EXPIRED_BY_TTL)));
    }
    List<Long> orphans = meta.orphans(REAP_BATCH_MAX);
    List<Long> reap = hub.beginReap(orphans);
    if (reap.isEmpty()) {
      return;
    }
    try {
      propose(
          MetaRequest.newBuilder().setReapOrphans(ReapOrphansReq.newBuilder().addAllInos(reap)));
      LOG.debug("reaped {} orphans no session holds open", reap.size());
    } finally {
      hub.endReap(reap);
    }
  }

  private void propose(MetaRequest.Builder req) throws IOException {
    MetaRequest r = req.setCaller(Caller.newBuilder().setUid(0)).build();
    try {
      ReplyCodec.meta(
          clients.of(server.getDivision(META).getGroup()).io().send(ReplyCodec.message(r)));
    } catch (HearthException e) {
      throw new IOException(r.getOpCase() + " refused: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    loop.close();
    clients.close();
  }
}
