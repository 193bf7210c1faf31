package io.hearth.server.meta;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.Claim;
import io.hearth.protocol.meta.LeaseRecall;
import io.hearth.protocol.meta.LockGranted;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.SessionEvent;
import io.hearth.protocol.meta.SessionInfo;
import io.hearth.protocol.meta.SessionPollReply;
import io.hearth.protocol.meta.SessionPollReq;
import io.hearth.rpc.MonoClock;
import io.hearth.server.meta.ops.Effects;
import io.hearth.server.meta.ops.OpContext;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What the meta leader keeps in memory about client sessions, beside the namespace's record of
 * them: when it last heard from each (keep-alives cost no log entry), the events each is owed (a
 * lock granted to a waiter, a lease recalled), the poll it holds open for each, and which files
 * each holds open (the orphans it must keep).
 *
 * <p><b>Guarantees.</b> A leader that starts grants every session a fresh TTL before it may expire
 * any (as etcd's lessor does on promotion), and tells each at its first poll to resync (send its
 * full open list, check its waits and leases): events of the previous leader may be lost, and are
 * recovered that way. No orphan is reaped while a session that may hold it has not told this leader
 * what it holds ({@link #beginReap}). An event is delivered at least once per leader; clients
 * ignore duplicates by sequence number.
 *
 * <p><b>States:</b> inactive (a follower: polls are refused with EAGAIN, effects ignored) and
 * active (from {@link #activate}, called when this member's leadership is ready, to {@link
 * #deactivate}).
 *
 * <p><b>Threads:</b> every method is synchronized; {@link #dispatch} runs on the apply thread or on
 * a read's thread, {@link #poll} on Ratis request threads, timers on the clock's threads. Memory is
 * bounded per session: {@link #EVENTS_PER_SESSION_MAX} events (older ones are dropped and the
 * session told to resync), {@link #CLAIMS_PER_SESSION_MAX} open files.
 */
public final class SessionHub implements OpContext.Claims {
  static final int EVENTS_PER_SESSION_MAX = 4096;
  static final int CLAIMS_PER_SESSION_MAX = 1 << 20;

  /** The longest a poll is held, whatever the client asks. */
  static final int POLL_WAIT_MAX_MS = 30_000;

  private final MonoClock clock;
  private final Map<Long, Live> sessions = new HashMap<>();
  private final Set<Long> reaping = new HashSet<>();
  private boolean active;

  /** This leadership's term: event numbers count from 1 in it. */
  private long epoch;

  public SessionHub(MonoClock clock) {
    this.clock = clock;
  }

  /** One session as the leader sees it. */
  private static final class Live {
    final long id;
    final int ttlMs;
    long deadlineNs;
    long lastHeardNs = -1;
    final ArrayDeque<SessionEvent> events = new ArrayDeque<>();
    long lastSeq;
    boolean resync;
    boolean claimsKnown;

    /** Files it holds open: inode -> the serial of its latest open. */
    final Map<Long, Long> claims = new HashMap<>();

    /** Leases recalled and not yet handed back: inode -> when first recalled (clock ns). */
    final Map<Long, Long> recalls = new HashMap<>();

    CompletableFuture<MetaReply> held;

    Live(long id, int ttlMs, long nowNs) {
      this.id = id;
      this.ttlMs = ttlMs;
      this.deadlineNs = nowNs + TimeUnit.MILLISECONDS.toNanos(ttlMs);
    }
  }

  // ---- leadership ----

  /**
   * This member leads now, and has applied every entry before its leadership: {@code open} are the
   * sessions the namespace holds. Each gets a fresh TTL and must resync.
   */
  public synchronized void activate(List<SessionInfo> open, long term) {
    epoch = term;
    sessions.clear();
    reaping.clear();
    long now = clock.nanos();
    for (SessionInfo s : open) {
      Live l = new Live(s.getSession(), s.getTtlMs(), now);
      l.resync = true;
      sessions.put(l.id, l);
    }
    active = true;
  }

  /** This member no longer leads: held polls are answered (the client asks the new leader). */
  public synchronized void deactivate() {
    active = false;
    for (Live l : sessions.values()) {
      answer(l);
    }
    sessions.clear();
    reaping.clear();
  }

  public synchronized boolean active() {
    return active;
  }

  // ---- effects of applied entries and reads ----

  /** Acts on what an entry (or a read) did: new sessions, grants, recalls, opens, ends. */
  public synchronized void dispatch(List<Effects.Effect> effects) {
    if (!active) {
      return;
    }
    long now = clock.nanos();
    for (Effects.Effect e : effects) {
      switch (e) {
        case Effects.SessionOpened o -> {
          Live l = new Live(o.session(), o.ttlMs(), now);
          l.claimsKnown = true; // every open it makes goes through this leader
          sessions.put(l.id, l);
        }
        case Effects.SessionGone g -> {
          Live l = sessions.remove(g.session());
          if (l != null) {
            answer(l);
          }
        }
        case Effects.Granted g ->
            event(
                g.session(),
                SessionEvent.newBuilder()
                    .setGranted(LockGranted.newBuilder().setIno(g.ino()).setWaiter(g.waiter())));
        case Effects.Recall r -> {
          Live l = sessions.get(r.session());
          if (l != null && !l.recalls.containsKey(r.ino())) {
            l.recalls.put(r.ino(), now);
            event(
                r.session(),
                SessionEvent.newBuilder().setRecall(LeaseRecall.newBuilder().setIno(r.ino())));
          }
        }
        case Effects.Returned r -> {
          Live l = sessions.get(r.session());
          if (l != null) {
            l.recalls.remove(r.ino());
          }
        }
        case Effects.Opened o -> claim(o.session(), o.ino(), o.claim());
      }
    }
  }

  private void event(long session, SessionEvent.Builder e) {
    Live l = sessions.get(session);
    if (l == null) {
      return; // not open (any more): nothing to tell
    }
    l.events.addLast(e.setSeq(++l.lastSeq).build());
    if (l.events.size() > EVENTS_PER_SESSION_MAX) {
      l.events.removeFirst();
      l.resync = true;
    }
    if (l.held != null) {
      answer(l);
    }
  }

  private void claim(long session, long ino, long serial) {
    Live l = sessions.get(session);
    if (l != null) {
      claim(l, ino, serial);
    }
  }

  private static void claim(Live l, long ino, long serial) {
    if (l.claims.size() < CLAIMS_PER_SESSION_MAX || l.claims.containsKey(ino)) {
      l.claims.merge(ino, serial, Math::max);
    }
  }

  /** Whether {@code session} holds the orphan {@code ino} open (and it is not being reaped). */
  @Override
  public synchronized boolean holds(long session, long ino) {
    Live l = sessions.get(session);
    return active && l != null && l.claims.containsKey(ino) && !reaping.contains(ino);
  }

  // ---- polls ----

  /**
   * A keep-alive: the session's deadline moves to now + TTL, its claims are updated, and the reply
   * carries its events after {@code after_event}: at once if it has some (or must resync), else
   * after about {@code wait_ms}, or as soon as one comes. A session this leader does not know is
   * told it expired.
   */
  public synchronized CompletableFuture<MetaReply> poll(SessionPollReq req) {
    if (!active) {
      return CompletableFuture.failedFuture(
          new HearthException(Errno.EAGAIN, "this server does not lead the meta group (yet)"));
    }
    Live l = sessions.get(req.getSession());
    if (l == null) {
      return CompletableFuture.completedFuture(
          MetaReply.newBuilder().setPoll(SessionPollReply.newBuilder().setExpired(true)).build());
    }
    long now = clock.nanos();
    l.lastHeardNs = now;
    l.deadlineNs = now + TimeUnit.MILLISECONDS.toNanos(l.ttlMs);
    long after = req.getEpoch() == epoch ? req.getAfterEvent() : 0; // else it counts another's
    while (!l.events.isEmpty() && l.events.peekFirst().getSeq() <= after) {
      l.events.removeFirst();
    }
    updateClaims(l, req);
    if (l.held != null) {
      answer(l); // one poll held per session: the newer one takes over
    }
    CompletableFuture<MetaReply> f = new CompletableFuture<>();
    l.held = f;
    int waitMs = Math.min(Math.min(req.getWaitMs(), l.ttlMs / 2), POLL_WAIT_MAX_MS);
    if (!l.events.isEmpty() || l.resync || waitMs == 0) {
      answer(l);
    } else {
      clock.after(waitMs, () -> timedOut(l, f));
    }
    return f;
  }

  private static void updateClaims(Live l, SessionPollReq req) {
    if (req.getFull()) {
      l.claims.clear();
      l.claimsKnown = true;
      l.resync = false;
    }
    for (Claim c : req.getOpenList()) {
      claim(l, c.getIno(), c.getSerial());
    }
    for (Claim c : req.getClosedList()) {
      Long latest = l.claims.get(c.getIno());
      if (latest != null && latest <= c.getSerial()) {
        l.claims.remove(c.getIno()); // else opened again since: still held
      }
    }
  }

  private synchronized void timedOut(Live l, CompletableFuture<MetaReply> f) {
    if (l.held == f) {
      answer(l);
    }
  }

  /** Completes the session's held poll, if any, with what it is owed now. */
  private void answer(Live l) {
    CompletableFuture<MetaReply> f = l.held;
    if (f == null) {
      return;
    }
    l.held = null;
    SessionPollReply.Builder r =
        SessionPollReply.newBuilder()
            .setLastEvent(l.lastSeq)
            .setResync(l.resync)
            .setTtlMs(l.ttlMs)
            .setEpoch(epoch)
            .addAllEvents(l.events);
    f.complete(MetaReply.newBuilder().setPoll(r).build());
  }

  // ---- what the keeper acts on ----

  /**
   * Sessions to end: not heard from within their TTL, or holding a lease recalled longer than a TTL
   * ago (a client that answers polls but not recalls is broken; CephFS evicts such a client too).
   */
  public synchronized List<Long> expired() {
    List<Long> out = new ArrayList<>();
    if (!active) {
      return out;
    }
    long now = clock.nanos();
    for (Live l : sessions.values()) {
      long ttlNs = TimeUnit.MILLISECONDS.toNanos(l.ttlMs);
      boolean recallOverdue = l.recalls.values().stream().anyMatch(t -> now - t > ttlNs);
      if (now - l.deadlineNs > 0 || recallOverdue) {
        out.add(l.id);
      }
    }
    return out;
  }

  /**
   * Of {@code orphans}, those no session holds open, now marked as being reaped (an open of one
   * fails from here on); none while some session has not told this leader what it holds. Pair with
   * {@link #endReap}.
   */
  public synchronized List<Long> beginReap(List<Long> orphans) {
    List<Long> out = new ArrayList<>();
    if (!active || sessions.values().stream().anyMatch(l -> !l.claimsKnown)) {
      return out;
    }
    Set<Long> held = new HashSet<>();
    sessions.values().forEach(l -> held.addAll(l.claims.keySet()));
    for (long ino : orphans) {
      if (!held.contains(ino)) {
        reaping.add(ino);
        out.add(ino);
      }
    }
    return out;
  }

  public synchronized void endReap(List<Long> inos) {
    inos.forEach(reaping::remove);
  }

  /**
   * What the leader knows of a session beyond the log: when it last heard it, what it holds open.
   */
  public record Heard(long lastHeardMsAgo, int openFiles) {}

  /** Per session it knows: how long ago it last heard it (-1: not since it leads), files open. */
  public synchronized Map<Long, Heard> heard() {
    Map<Long, Heard> out = new HashMap<>();
    long now = clock.nanos();
    for (Live l : sessions.values()) {
      long ago = l.lastHeardNs < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(now - l.lastHeardNs);
      out.put(l.id, new Heard(ago, l.claimsKnown ? l.claims.size() : -1));
    }
    return out;
  }
}
