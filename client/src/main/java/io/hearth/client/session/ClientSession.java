package io.hearth.client.session;

import io.hearth.client.meta.MetaClient;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.SessionEndedException;
import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.meta.Claim;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.SessionCloseReq;
import io.hearth.protocol.meta.SessionEvent;
import io.hearth.protocol.meta.SessionInfo;
import io.hearth.protocol.meta.SessionOpenReq;
import io.hearth.protocol.meta.SessionPollReply;
import io.hearth.protocol.meta.SessionPollReq;
import io.hearth.rpc.Backoff;
import io.hearth.rpc.Futures;
import io.hearth.rpc.RaftClients;
import io.hearth.rpc.ReplyCodec;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This client's session with the meta group: what its locks, leases and open files belong to.
 *
 * <p><b>Life.</b> Opened at first need ({@link #id}: a log entry), kept alive by a loop that polls
 * the meta leader (a read the leader holds for a third of the TTL, answering at once when it has an
 * event: no log entry), ended by {@link #close}. If the leader says the session expired (this
 * client was cut off past its TTL, or evicted), or a request is refused because it ended, the
 * listeners hear {@link Listener#lost} once and the next need opens a new session.
 *
 * <p><b>Open files.</b> Every open carries a claim serial ({@link #nextClaim}); the loop reports
 * files closed since its last poll, and after a resync (a new leader, a new session) the full list
 * of files open here, so that a file unlinked while open stays as an orphan until closed here.
 *
 * <p><b>Events</b> (a lock granted to a waiter, a lease recalled) reach the listeners on the loop's
 * thread, in order, at least once; listeners must not block.
 *
 * <p>Threads: one platform-independent virtual thread runs the loop; every other method is
 * thread-safe and returns at once except {@link #id} (which may open the session) and {@link
 * #close}.
 */
public final class ClientSession implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);

  /** What the session says of its client, for {@code hearth admin sessions}. */
  public record Description(String host, String mountPoint, String version, int ttlMs) {}

  /** What the session's loop tells the rest of the client. */
  public interface Listener {
    default void granted(long session, long ino, long waiter) {}

    default void recalled(long session, long ino) {}

    /** Events may have been lost (a new leader): waits and leases should be checked again. */
    default void resync(long session) {}

    /**
     * The session ended: every lock, wait and lease it held is gone. Heard on a thread of its own,
     * after the session stopped being stamped on requests.
     */
    default void lost(long session) {}
  }

  static final Backoff RETRY = new Backoff(100, 1_000);

  /** Files reported closed in one poll at most; more wait for the next. */
  static final int CLAIMS_PER_POLL_MAX = 16_384;

  private final MetaClient meta;
  private final Description description;
  private final byte[] clientId = randomId();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicLong serials = new AtomicLong();
  private final Object lock = new Object();

  /** Held while a session is being opened (a log entry), never with {@link #lock} waited on. */
  private final Object opening = new Object();

  // guarded by lock
  private long id;
  private int ttlMs;
  private long epoch;
  private long lastEvent;
  private boolean needFull;
  private final Map<Long, Long> open = new HashMap<>();
  private final Map<Long, Long> openedSincePoll = new HashMap<>();
  private final Map<Long, Long> closedSincePoll = new HashMap<>();
  private Thread loop;
  private boolean closed;
  private RaftClient pollClient;
  private RaftGroup pollGroup;
  private long pollWaitMs;

  public ClientSession(MetaClient meta, Description description) {
    this.meta = meta;
    this.description = description;
    meta.useSession(this::currentOrZero, this::ended);
  }

  private static byte[] randomId() {
    UUID u = UUID.randomUUID();
    return ByteBuffer.allocate(16)
        .putLong(u.getMostSignificantBits())
        .putLong(u.getLeastSignificantBits())
        .array();
  }

  public void listen(Listener l) {
    listeners.add(l);
  }

  /** The session now, opening one if none is open (one log entry). */
  public long id() throws HearthException {
    synchronized (opening) {
      synchronized (lock) {
        if (closed) {
          throw new HearthException(Errno.EIO, "the client is closed");
        }
        if (id != 0) {
          return id;
        }
      }
      SessionOpenReq.Builder o =
          SessionOpenReq.newBuilder()
              .setClientId(com.google.protobuf.ByteString.copyFrom(clientId))
              .setHost(description.host())
              .setMountPoint(description.mountPoint())
              .setVersion(description.version())
              .setTtlMs(description.ttlMs());
      SessionInfo s =
          Futures.join(
                  meta.write(
                      MetaRequest.newBuilder()
                          .setCaller(Caller.newBuilder().setUid(0))
                          .setSessionOpen(o)
                          .build()))
              .getSession();
      synchronized (lock) {
        id = s.getSession();
        ttlMs = s.getTtlMs();
        epoch = 0;
        lastEvent = 0;
        needFull = true; // files open here before belong to this session now
        if (loop == null && !closed) {
          loop = Thread.ofVirtual().name("hearth-session").start(this::run);
        }
      }
      LOG.info("session {} opened (TTL {} ms)", s.getSession(), s.getTtlMs());
      return s.getSession();
    }
  }

  /** The session open now, or 0: what requests are stamped with. */
  public long currentOrZero() {
    synchronized (lock) {
      return id;
    }
  }

  /**
   * The serial of a new open: the leader keeps the file until a close with this serial or later.
   */
  public long nextClaim() {
    return serials.incrementAndGet();
  }

  /** A file opened here (the serial its open carried). */
  public void opened(long ino, long serial) {
    synchronized (lock) {
      open.merge(ino, serial, Math::max);
      openedSincePoll.merge(ino, serial, Math::max);
    }
  }

  /** The last handle of a file here closed. */
  public void closed(long ino) {
    synchronized (lock) {
      Long s = open.remove(ino);
      if (s != null) {
        closedSincePoll.merge(ino, s, Math::max);
      }
    }
  }

  /** A request was refused because {@code session} ended: it is lost, if it is still this one. */
  public void ended(long session) {
    lose(session);
  }

  private void lose(long session) {
    synchronized (lock) {
      if (session == 0 || id != session) {
        return;
      }
      id = 0;
    }
    LOG.warn("session {} ended (cut off past its TTL, or evicted): its locks are lost", session);
    // Never on the caller's thread: a refusal is noticed on the thread completing a reply, whose
    // waiter may hold a file's monitor that the listeners take (a lease hand-back does): heard
    // there, the listener would wait for the waiter and the waiter for the reply, for ever.
    Thread.ofVirtual()
        .name("hearth-session-lost-" + session)
        .start(
            () -> {
              for (Listener l : listeners) {
                l.lost(session);
              }
            });
  }

  // ---- the loop ----

  private void run() {
    int failures = 0;
    while (true) {
      SessionPollReq req = null;
      long s;
      try {
        s = id();
        req = nextPoll(s);
        handle(s, poll(req));
        failures = 0;
      } catch (HearthException e) {
        if (isClosed()) {
          return;
        }
        if (req != null) {
          putBack(req);
        }
        if (e instanceof SessionEndedException) {
          lose(req == null ? 0 : req.getSession());
        } else if (failures++ % 10 == 0) {
          LOG.debug("session poll failed (will retry): {}", e.toString());
        }
        if (!sleep(RETRY.delayMs(failures, ThreadLocalRandom.current()))) {
          return;
        }
      }
      if (isClosed()) {
        return;
      }
    }
  }

  private boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  private static boolean sleep(long ms) {
    try {
      Thread.sleep(ms);
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }

  /** The next poll: what was opened and closed since the last, or everything after a resync. */
  private SessionPollReq nextPoll(long s) {
    synchronized (lock) {
      SessionPollReq.Builder b =
          SessionPollReq.newBuilder()
              .setSession(s)
              .setEpoch(epoch)
              .setAfterEvent(lastEvent)
              .setWaitMs(waitMs());
      if (needFull) {
        b.setFull(true);
        open.forEach((ino, serial) -> b.addOpen(claim(ino, serial)));
        openedSincePoll.clear();
        needFull = false;
      } else {
        drain(openedSincePoll, b::addOpen);
      }
      drain(closedSincePoll, b::addClosed);
      return b.build();
    }
  }

  private static void drain(Map<Long, Long> m, java.util.function.Consumer<Claim> to) {
    var it = m.entrySet().iterator();
    for (int n = 0; it.hasNext() && n < CLAIMS_PER_POLL_MAX; n++) {
      var e = it.next();
      to.accept(claim(e.getKey(), e.getValue()));
      it.remove();
    }
  }

  private static Claim claim(long ino, long serial) {
    return Claim.newBuilder().setIno(ino).setSerial(serial).build();
  }

  /** A poll that failed: what it carried goes with the next one. */
  private void putBack(SessionPollReq req) {
    synchronized (lock) {
      if (req.getFull()) {
        needFull = true;
      } else {
        req.getOpenList().forEach(c -> openedSincePoll.merge(c.getIno(), c.getSerial(), Math::max));
      }
      req.getClosedList()
          .forEach(
              c -> {
                if (!open.containsKey(c.getIno())) {
                  closedSincePoll.merge(c.getIno(), c.getSerial(), Math::max);
                }
              });
    }
  }

  private int waitMs() {
    return Math.max(200, ttlMs / 3);
  }

  private SessionPollReply poll(SessionPollReq req) throws HearthException {
    RaftClient c = pollClient(req.getWaitMs());
    try {
      MetaRequest m =
          MetaRequest.newBuilder()
              .setCaller(Caller.newBuilder().setUid(0))
              .setSession(req.getSession())
              .setSessionPoll(req)
              .build();
      // non-linearizable: Ratis sends it to the leader (a follower refuses it with NotLeader and
      // the client follows), whose session hub is what a poll talks to
      return ReplyCodec.meta(c.io().sendReadOnlyNonLinearizable(ReplyCodec.message(m))).getPoll();
    } catch (java.io.IOException e) {
      throw e instanceof HearthException h ? h : ReplyCodec.failure(e);
    }
  }

  /** A Ratis client for polls, following the meta group's members as the meta client does. */
  private RaftClient pollClient(long waitMs) {
    synchronized (lock) {
      RaftGroup g = meta.group();
      if (pollClient == null || !g.equals(pollGroup) || waitMs != pollWaitMs) {
        RaftClients.closeQuietly(pollClient);
        pollClient = RaftClients.of(g, RaftClients.sessionPoll(waitMs));
        pollGroup = g;
        pollWaitMs = waitMs;
      }
      return pollClient;
    }
  }

  private void handle(long s, SessionPollReply r) {
    if (r.getExpired()) {
      lose(s);
      return;
    }
    List<SessionEvent> fresh;
    boolean resync;
    synchronized (lock) {
      if (id != s) {
        return; // lost meanwhile
      }
      ttlMs = r.getTtlMs() == 0 ? ttlMs : r.getTtlMs();
      if (r.getEpoch() != epoch) {
        epoch = r.getEpoch(); // a new leader: its events count from 1
        lastEvent = 0;
      }
      long after = lastEvent;
      fresh = r.getEventsList().stream().filter(e -> e.getSeq() > after).toList();
      if (!fresh.isEmpty()) {
        lastEvent = fresh.get(fresh.size() - 1).getSeq();
      }
      resync = r.getResync();
      if (resync) {
        needFull = true;
      }
    }
    for (SessionEvent e : fresh) {
      for (Listener l : listeners) {
        switch (e.getWhatCase()) {
          case GRANTED -> l.granted(s, e.getGranted().getIno(), e.getGranted().getWaiter());
          case RECALL -> l.recalled(s, e.getRecall().getIno());
          default -> {}
        }
      }
    }
    if (resync) {
      listeners.forEach(l -> l.resync(s));
    }
  }

  /** Ends the session (its locks go at once, not after its TTL) and stops the loop. */
  @Override
  public void close() {
    long s;
    Thread t;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      s = id;
      id = 0;
      t = loop;
    }
    if (t != null) {
      t.interrupt();
    }
    if (s != 0) {
      try {
        meta.write(
                MetaRequest.newBuilder()
                    .setCaller(Caller.newBuilder().setUid(0))
                    .setSession(s)
                    .setSessionClose(SessionCloseReq.newBuilder().setSession(s))
                    .build())
            .get(5, TimeUnit.SECONDS);
        LOG.info("session {} closed", s);
      } catch (Exception e) {
        LOG.warn("session {} not closed ({}); it expires after its TTL", s, e.toString());
      }
    }
    synchronized (lock) {
      RaftClients.closeQuietly(pollClient);
      pollClient = null;
    }
  }

  /** For the session list and tests: the session's TTL as the leader last said. */
  public int ttlMs() {
    synchronized (lock) {
      return ttlMs;
    }
  }
}
