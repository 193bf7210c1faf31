package io.hearth.client.locks;

import io.hearth.client.meta.MetaClient;
import io.hearth.client.session.ClientSession;
import io.hearth.client.vfs.Fence;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.SessionEndedException;
import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.meta.LeaseReq;
import io.hearth.protocol.meta.LeaseReturnReq;
import io.hearth.protocol.meta.LockCancelReq;
import io.hearth.protocol.meta.LockReleaseReq;
import io.hearth.protocol.meta.LockReply;
import io.hearth.protocol.meta.LockReq;
import io.hearth.protocol.meta.LockTestReq;
import io.hearth.protocol.meta.LockWaitReq;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.posix.LockTable;
import io.hearth.protocol.posix.LockTable.Lock;
import io.hearth.protocol.posix.LockTable.Owner;
import io.hearth.protocol.posix.LockTable.Type;
import io.hearth.rpc.Backoff;
import io.hearth.rpc.Futures;
import io.hearth.rpc.MonoClock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Locks that hold across the cluster: kept by the meta group as namespace state, owned by this
 * client's {@link ClientSession}, so that a lock taken through one mount keeps a process on another
 * node out.
 *
 * <p><b>Leases.</b> A file whose locks no other session uses is leased to this session (one
 * commit): from then on its locks are taken and released here, with no round trip, in a local
 * table. When another session asks for a lock on it, the leader recalls the lease: the local table
 * goes back to the namespace (LeaseReturn) and the other request proceeds. A request that would
 * have to wait under a lease hands the lease back too and waits at the server (where waits are
 * queued and deadlocks found). A file recalled is not leased again for {@link
 * #NO_LEASE_AFTER_RECALL_MS}; one refused, for {@link #NO_LEASE_AFTER_REFUSAL_MS}; the last close
 * of a file here hands its lease back.
 *
 * <p><b>Waits</b> (F_SETLKW, flock without LOCK_NB) queue at the server; the grant comes as an
 * event of the session's poll, and a waiter also asks every {@link #WAIT_RECHECK_MS} (and after a
 * resync) in case the event was lost. An interrupted waiter cancels: EINTR, unless the grant came
 * first.
 *
 * <p><b>Fencing.</b> When the session ends under a file's locks (this client was cut off past its
 * TTL, or evicted), the file is marked lost: every lock call, read and write through it fails with
 * EIO until every descriptor of it here is closed ({@link #forget}); changes to a locked file carry
 * the session its locks belong to ({@link #sessionFor}), so the namespace refuses them once that
 * session has ended, even if this client has not noticed yet.
 *
 * <p>Threads: lock calls of one file are serialized (a {@link ReentrantLock} per file, released
 * while a request waits for its grant); a file's state is guarded by its monitor, which the recall
 * path takes too. Session events arrive on the session's thread and never block it.
 */
public final class ClusterLocks implements Locks, Fence, ClientSession.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterLocks.class);

  static final int POSIX = 0;
  static final int FLOCK = 1;

  static final long WAIT_RECHECK_MS = 5_000;
  static final long INTERRUPT_POLL_MS = 50;
  static final long NO_LEASE_AFTER_RECALL_MS = 30_000;
  static final long NO_LEASE_AFTER_REFUSAL_MS = 5_000;

  /**
   * How long a request waits for another session to hand back its lease: it does within its TTL or
   * the leader evicts it, so this is only a backstop.
   */
  static final long RECALL_WAIT_MAX_MS = 120_000;

  static final Backoff RECALL_RETRY = new Backoff(5, 200);
  static final Backoff RELEASE_RETRY = new Backoff(200, 5_000);
  static final int RELEASE_ATTEMPTS_MAX = 30;

  /** Grants that came before their waiter was registered, remembered this many at most. */
  static final int EARLY_GRANTS_MAX = 1024;

  private static final Caller ROOT = Caller.newBuilder().setUid(0).build();

  /**
   * Keeps what this client caches of a file's contents true across lock handovers, as NFS does at
   * lock and unlock: what was written here is in the namespace before a lock of the file goes to
   * another session, and what another session wrote before this one was granted a lock is seen.
   */
  public interface Coherence {
    /** Commits what this client wrote to the file and has not committed yet. */
    void beforeRelease(long ino) throws HearthException;

    /** A lock on the file was just granted from the namespace: drop cached contents if stale. */
    void afterGrant(long ino) throws HearthException;

    Coherence NONE =
        new Coherence() {
          @Override
          public void beforeRelease(long ino) {}

          @Override
          public void afterGrant(long ino) {}
        };
  }

  private final MetaClient meta;
  private final ClientSession session;
  private final MonoClock clock;
  private final boolean leases;
  private volatile Coherence coherence = Coherence.NONE;
  private final Map<Long, FileState> files = new HashMap<>();
  private final Map<Long, Waiter> waiters = new ConcurrentHashMap<>();
  private final Map<Long, Boolean> earlyGrants =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> e) {
          return size() > EARLY_GRANTS_MAX;
        }
      };

  /**
   * @param leases whether files may be leased (false: every lock call is a round trip)
   */
  public ClusterLocks(MetaClient meta, ClientSession session, MonoClock clock, boolean leases) {
    this.meta = meta;
    this.session = session;
    this.clock = clock;
    this.leases = leases;
    session.listen(this);
  }

  /** Who keeps cached contents true at handovers (the client's file layer). */
  public void keepCoherent(Coherence c) {
    this.coherence = c;
  }

  /** One file's locks as this client knows them. Guarded by its monitor. */
  private static final class FileState {
    final long ino;
    final ReentrantLock calls = new ReentrantLock();

    /** The session leasing the file to this client, 0 if none: then the tables below rule. */
    long leaseSession;

    List<Lock> posix = List.of();
    List<Lock> flock = List.of();

    /** Owners with locks (or waits) at the server, by kind, all under {@link #serverSession}. */
    final Set<Long> serverPosix = new HashSet<>();

    final Set<Long> serverFlock = new HashSet<>();
    long serverSession;
    long noLeaseBeforeNs;
    boolean lost;

    FileState(long ino) {
      this.ino = ino;
    }

    Set<Long> server(int kind) {
      return kind == POSIX ? serverPosix : serverFlock;
    }

    boolean holdsLocally() {
      return !posix.isEmpty() || !flock.isEmpty();
    }

    boolean holdsAtServer() {
      return !serverPosix.isEmpty() || !serverFlock.isEmpty();
    }
  }

  /** A request queued at the server. Guarded by its monitor. */
  private static final class Waiter {
    final long session;
    final long id;
    boolean granted;
    boolean lost;
    boolean recheck;

    Waiter(long session, long id) {
      this.session = session;
      this.id = id;
    }
  }

  private synchronized FileState state(long ino) {
    return files.computeIfAbsent(ino, FileState::new);
  }

  private synchronized FileState existing(long ino) {
    return files.get(ino);
  }

  /**
   * EIO if a lock of the file was lost with its session. Caller holds the file's monitor. What the
   * file held under a session that is no longer the client's is lost here and now, not only when
   * {@link #lost} is heard (on a thread of its own, a moment later): a call right after a refused
   * write must not slip into that moment and be answered under the new session.
   */
  private void checkNotLost(FileState f) throws HearthException {
    long current = session.currentOrZero();
    if (f.leaseSession != 0 && f.leaseSession != current) {
      lostLocked(f, f.leaseSession);
    }
    if (f.serverSession != 0 && f.serverSession != current) {
      lostLocked(f, f.serverSession);
    }
    if (f.lost) {
      throw new HearthException(
          Errno.EIO,
          "a lock on inode "
              + f.ino
              + " was lost when this client's session ended (cut off past its TTL, or"
              + " evicted): close every descriptor of the file and open it again");
    }
  }

  /** The client's locks carry this client's owner ids; the session is the namespace's business. */
  private static Lock norm(Lock l) {
    return new Lock(new Owner(0, l.owner().id()), l.type(), l.start(), l.end(), l.pid());
  }

  // ---- F_GETLK ----

  @Override
  public Optional<Lock> test(long ino, Lock want) throws HearthException {
    Lock w = norm(want);
    long deadlineNs = clock.nanos() + TimeUnit.MILLISECONDS.toNanos(RECALL_WAIT_MAX_MS);
    for (int attempt = 0; ; attempt++) {
      long s = session.id();
      FileState f = state(ino);
      synchronized (f) {
        checkNotLost(f);
        if (f.leaseSession == s) {
          return LockTable.conflict(f.posix, w);
        }
      }
      LockReply r =
          send(
              s,
              true,
              b -> b.setLockTest(LockTestReq.newBuilder().setLock(request(ino, POSIX, w, false))));
      switch (r.getOutcome()) {
        case FREE -> {
          return Optional.empty();
        }
        case CONFLICT -> {
          return Optional.of(holder(r, s));
        }
        case RECALLING -> pauseForRecall(attempt, deadlineNs, () -> false);
        default -> throw unexpected(r);
      }
    }
  }

  /**
   * The conflicting lock as F_GETLK reports it: its pid is the holder's only when the holder is on
   * this node (this session); a pid of another node names nothing here, so it is 0.
   */
  private static Lock holder(LockReply r, long s) {
    LockReq h = r.getHolder();
    long end = h.getEnd() <= 0 || h.getEnd() >= LockTable.TO_EOF ? LockTable.TO_EOF : h.getEnd();
    return new Lock(
        new Owner(r.getHolderSession(), h.getOwner()),
        h.getType() == 0 ? Type.READ : Type.WRITE,
        h.getStart(),
        end,
        r.getHolderSession() == s ? h.getPid() : 0);
  }

  // ---- F_SETLK, F_SETLKW, flock ----

  @Override
  public void lock(long ino, Lock want, boolean wait, BooleanSupplier interrupted)
      throws HearthException {
    acquire(ino, POSIX, norm(want), wait, interrupted);
  }

  @Override
  public void flock(
      long ino, Owner owner, Type type, int pid, boolean wait, BooleanSupplier interrupted)
      throws HearthException {
    acquire(
        ino,
        FLOCK,
        new Lock(new Owner(0, owner.id()), type, 0, LockTable.TO_EOF, pid),
        wait,
        interrupted);
  }

  private void acquire(long ino, int kind, Lock want, boolean wait, BooleanSupplier interrupted)
      throws HearthException {
    long deadlineNs = clock.nanos() + TimeUnit.MILLISECONDS.toNanos(RECALL_WAIT_MAX_MS);
    for (int attempt = 0; ; attempt++) {
      long s = session.id();
      FileState f = state(ino);
      Waiter waiting;
      f.calls.lock();
      try {
        if (wait || want.type() == Type.UNLOCK || !holdsLease(f, s)) {
          coherence.beforeRelease(ino); // a wait hands the lease back; the server may hand on
        }
        if (underLease(f, s, kind, want, wait)) {
          return;
        }
        if (want.type() == Type.UNLOCK) {
          synchronized (f) {
            if (!f.server(kind).contains(want.owner().id())) {
              return; // nothing of this owner at the server: nothing to unlock
            }
          }
        } else if (mayLease(f, s) && askLease(f, s)) {
          coherence.afterGrant(ino); // another session may have written it under its locks
          continue; // leased: the next round takes it here
        }
        LockReply r;
        try {
          r = send(s, false, b -> b.setLock(request(ino, kind, want, wait)));
        } catch (SessionEndedException e) {
          synchronized (f) {
            checkNotLost(f);
          }
          continue; // nothing was lost: ask again under the new session
        }
        switch (r.getOutcome()) {
          case GRANTED -> {
            held(f, s, kind, want);
            if (want.type() != Type.UNLOCK) {
              coherence.afterGrant(ino);
            }
            return;
          }
          case WAITING -> {
            held(f, s, kind, want);
            waiting = register(s, r.getWaiter());
          }
          case RECALLING -> waiting = null;
          default -> throw unexpected(r);
        }
      } finally {
        f.calls.unlock();
      }
      if (waiting == null) {
        pauseForRecall(attempt, deadlineNs, interrupted);
        continue;
      }
      if (awaitGrant(ino, waiting, interrupted)) {
        coherence.afterGrant(ino);
      }
      return;
    }
  }

  private static boolean holdsLease(FileState f, long s) {
    synchronized (f) {
      return f.leaseSession == s;
    }
  }

  /**
   * Serves the request here if this session leases the file: true when done (granted, or EAGAIN
   * thrown); false when it is not leased, or must wait (the lease is then handed back first).
   */
  private boolean underLease(FileState f, long s, int kind, Lock want, boolean wait)
      throws HearthException {
    synchronized (f) {
      checkNotLost(f);
      if (f.leaseSession != s) {
        return false;
      }
      List<Lock> table = kind == POSIX ? f.posix : f.flock;
      if (kind == FLOCK) {
        table = LockTable.releaseAll(table, want.owner()); // a conversion releases first
      }
      Optional<Lock> c =
          want.type() == Type.UNLOCK ? Optional.empty() : LockTable.conflict(table, want);
      if (c.isEmpty()) {
        setTable(f, kind, LockTable.apply(table, want));
        return true;
      }
      setTable(f, kind, table); // as Linux's flock: released though the new lock is refused
      if (!wait) {
        throw new HearthException(Errno.EAGAIN, "held by pid " + c.get().pid());
      }
      giveBack(f, s); // a wait belongs to the server, where waits queue and cycles are found
      return false;
    }
  }

  private static void setTable(FileState f, int kind, List<Lock> t) {
    if (kind == POSIX) {
      f.posix = t;
    } else {
      f.flock = t;
    }
  }

  /** Records that the owner has a lock or a wait on the file at the server, under {@code s}. */
  private static void held(FileState f, long s, int kind, Lock want) {
    synchronized (f) {
      if (f.serverSession != s) {
        f.serverPosix.clear();
        f.serverFlock.clear();
        f.serverSession = s;
      }
      f.server(kind).add(want.owner().id());
    }
  }

  private boolean mayLease(FileState f, long s) {
    synchronized (f) {
      return leases
          && f.leaseSession == 0
          && !f.holdsAtServer()
          && clock.nanos() - f.noLeaseBeforeNs >= 0;
    }
  }

  /** Asks for the file's lease (one commit): true if this session holds it now. */
  private boolean askLease(FileState f, long s) throws HearthException {
    boolean granted;
    try {
      granted =
          Futures.join(meta.write(request(s).setLease(LeaseReq.newBuilder().setIno(f.ino)).build()))
              .getLease()
              .getGranted();
    } catch (SessionEndedException e) {
      return false;
    }
    synchronized (f) {
      if (granted) {
        f.leaseSession = s;
        f.posix = List.of();
        f.flock = List.of();
      } else {
        f.noLeaseBeforeNs =
            clock.nanos() + TimeUnit.MILLISECONDS.toNanos(NO_LEASE_AFTER_REFUSAL_MS);
      }
      return granted;
    }
  }

  /**
   * Hands the lease back with the locks taken under it: they become the namespace's. Caller holds
   * the file's monitor.
   */
  private void giveBack(FileState f, long s) throws HearthException {
    LeaseReturnReq.Builder r = LeaseReturnReq.newBuilder().setIno(f.ino);
    f.posix.forEach(l -> r.addLocks(request(f.ino, POSIX, l, false)));
    f.flock.forEach(l -> r.addLocks(request(f.ino, FLOCK, l, false)));
    try {
      Futures.join(meta.write(request(s).setLeaseReturn(r).build()));
    } catch (SessionEndedException e) {
      lostLocked(f, s);
      throw new HearthException(Errno.EIO, "lease of inode " + f.ino + " lost with its session", e);
    }
    if (f.serverSession != s) {
      f.serverPosix.clear();
      f.serverFlock.clear();
      f.serverSession = s;
    }
    f.posix.forEach(l -> f.serverPosix.add(l.owner().id()));
    f.flock.forEach(l -> f.serverFlock.add(l.owner().id()));
    f.posix = List.of();
    f.flock = List.of();
    f.leaseSession = 0;
    f.noLeaseBeforeNs = clock.nanos() + TimeUnit.MILLISECONDS.toNanos(NO_LEASE_AFTER_RECALL_MS);
  }

  private void pauseForRecall(int attempt, long deadlineNs, BooleanSupplier interrupted)
      throws HearthException {
    if (clock.nanos() - deadlineNs > 0) {
      throw new HearthException(
          Errno.ETIMEDOUT,
          "another client did not hand its lease of the file back within "
              + RECALL_WAIT_MAX_MS
              + " ms");
    }
    sleepInterruptibly(RECALL_RETRY.delayMs(attempt, ThreadLocalRandom.current()), interrupted);
  }

  private static void sleepInterruptibly(long ms, BooleanSupplier interrupted)
      throws HearthException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HearthException(Errno.EINTR, "interrupted");
    }
    if (interrupted.getAsBoolean()) {
      throw new HearthException(Errno.EINTR, "interrupted while waiting for a lock");
    }
  }

  // ---- waiting for a grant ----

  private Waiter register(long s, long id) {
    Waiter w = new Waiter(s, id);
    waiters.put(id, w);
    synchronized (earlyGrants) {
      if (earlyGrants.remove(id) != null) {
        w.granted = true;
      }
    }
    return w;
  }

  /** Waits for the grant: true once granted, false if cancelled by an interrupt (EINTR thrown). */
  private boolean awaitGrant(long ino, Waiter w, BooleanSupplier interrupted)
      throws HearthException {
    long id = w.id;
    try {
      long nextCheckNs = clock.nanos() + TimeUnit.MILLISECONDS.toNanos(WAIT_RECHECK_MS);
      while (true) {
        boolean check;
        boolean stop = false;
        synchronized (w) {
          if (w.granted) {
            return true;
          }
          if (w.lost) {
            throw new HearthException(
                Errno.EIO, "the session ended while waiting for a lock on inode " + ino);
          }
          try {
            w.wait(INTERRUPT_POLL_MS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop = true;
          }
          check = w.recheck || clock.nanos() - nextCheckNs > 0;
          w.recheck = false;
        }
        if (stop || interrupted.getAsBoolean()) {
          return cancel(ino, w, id); // outside the waiter's monitor: grants must not wait for it
        }
        if (check) {
          nextCheckNs = clock.nanos() + TimeUnit.MILLISECONDS.toNanos(WAIT_RECHECK_MS);
          LockReply r =
              send(
                  w.session,
                  true,
                  b -> b.setLockWait(LockWaitReq.newBuilder().setIno(ino).setWaiter(id)));
          if (r.getOutcome() == LockReply.Outcome.GRANTED) {
            return true;
          }
        }
      }
    } finally {
      waiters.remove(id);
    }
  }

  /** The process was interrupted: EINTR, unless the lock was granted first (then it holds it). */
  private boolean cancel(long ino, Waiter w, long id) throws HearthException {
    LockReply r =
        send(
            w.session,
            false,
            b -> b.setLockCancel(LockCancelReq.newBuilder().setIno(ino).setWaiter(id)));
    if (r.getOutcome() != LockReply.Outcome.GRANTED) {
      throw new HearthException(Errno.EINTR, "interrupted while waiting for a lock");
    }
    return true;
  }

  // ---- releases ----

  @Override
  public void releaseAll(long ino, Owner owner) {
    release(ino, POSIX, owner.id());
  }

  @Override
  public void releaseFlock(long ino, Owner owner) {
    release(ino, FLOCK, owner.id());
  }

  /** Every lock of the owner on the file goes: here if leased, else at the server if it has any. */
  private void release(long ino, int kind, long owner) {
    FileState f = existing(ino);
    if (f == null) {
      return; // no lock was ever taken on it here
    }
    f.calls.lock();
    try {
      long s;
      synchronized (f) {
        if (f.leaseSession != 0 && f.leaseSession == session.currentOrZero()) {
          Owner o = new Owner(0, owner);
          setTable(f, kind, LockTable.releaseAll(kind == POSIX ? f.posix : f.flock, o));
          return;
        }
        if (!f.server(kind).contains(owner)) {
          return;
        }
        s = f.serverSession;
      }
      try {
        coherence.beforeRelease(ino);
        sendRelease(s, ino, kind, owner);
      } catch (SessionEndedException e) {
        // gone with the session already
      } catch (HearthException e) {
        LOG.warn("release of a lock on inode {} failed ({}); trying again", ino, e.getMessage());
        releaseLater(s, ino, kind, owner);
      }
      synchronized (f) {
        f.server(kind).remove(owner);
      }
    } finally {
      f.calls.unlock();
    }
  }

  private void sendRelease(long s, long ino, int kind, long owner) throws HearthException {
    send(
        s,
        false,
        b ->
            b.setLockRelease(
                LockReleaseReq.newBuilder().setIno(ino).setKind(kind).setOwner(owner)));
  }

  /** A release the cluster did not take: tried again in the background until it does. */
  private void releaseLater(long s, long ino, int kind, long owner) {
    Thread.ofVirtual()
        .name("hearth-lock-release-" + ino)
        .start(
            () -> {
              for (int attempt = 0; attempt < RELEASE_ATTEMPTS_MAX; attempt++) {
                try {
                  Thread.sleep(RELEASE_RETRY.delayMs(attempt, ThreadLocalRandom.current()));
                  sendRelease(s, ino, kind, owner);
                  return;
                } catch (SessionEndedException e) {
                  return;
                } catch (HearthException e) {
                  // the cluster is still away: next attempt
                } catch (InterruptedException e) {
                  return;
                }
              }
              LOG.error("a lock on inode {} could not be released; it goes with the session", ino);
            });
  }

  /**
   * Every descriptor of the file here is closed: its lease goes back (one commit), and a lost mark
   * is cleared (a new open starts afresh).
   */
  public void forget(long ino) {
    FileState f = existing(ino);
    if (f == null) {
      return;
    }
    f.calls.lock();
    try {
      synchronized (f) {
        if (f.leaseSession != 0 && f.leaseSession == session.currentOrZero()) {
          try {
            giveBack(f, f.leaseSession);
          } catch (HearthException e) {
            LOG.warn(
                "lease of inode {} not handed back ({}); it is recalled later",
                ino,
                e.getMessage());
            return;
          }
        }
        if (f.holdsAtServer() && !f.lost) {
          return; // a release still on its way
        }
      }
      synchronized (this) {
        files.remove(ino, f);
      }
    } finally {
      f.calls.unlock();
    }
  }

  // ---- fencing ----

  @Override
  public long sessionFor(long ino) throws HearthException {
    FileState f = existing(ino);
    if (f == null) {
      return 0;
    }
    synchronized (f) {
      checkNotLost(f);
      if (f.leaseSession != 0 && f.holdsLocally()) {
        return f.leaseSession;
      }
      return f.holdsAtServer() ? f.serverSession : 0;
    }
  }

  // ---- session events ----

  @Override
  public void granted(long s, long ino, long waiter) {
    Waiter w = waiters.get(waiter);
    if (w == null) {
      synchronized (earlyGrants) {
        earlyGrants.put(waiter, Boolean.TRUE);
      }
      w = waiters.get(waiter); // registered meanwhile?
      if (w == null) {
        return;
      }
    }
    synchronized (w) {
      if (w.session == s) {
        w.granted = true;
        w.notifyAll();
      }
    }
  }

  @Override
  public void recalled(long s, long ino) {
    Thread.ofVirtual().name("hearth-lease-recall-" + ino).start(() -> handBack(s, ino));
  }

  private void handBack(long s, long ino) {
    FileState f = existing(ino);
    try {
      if (f == null) {
        // nothing here: hand back an empty lease (a forget's return may have failed)
        Futures.join(
            meta.write(request(s).setLeaseReturn(LeaseReturnReq.newBuilder().setIno(ino)).build()));
        return;
      }
      coherence.beforeRelease(ino); // outside the monitor: the commit asks sessionFor
      synchronized (f) {
        if (f.leaseSession == s) {
          giveBack(f, s);
        }
      }
    } catch (HearthException e) {
      LOG.warn("lease of inode {} not handed back on recall: {}", ino, e.getMessage());
    }
  }

  @Override
  public void resync(long s) {
    for (Waiter w : waiters.values()) {
      synchronized (w) {
        w.recheck = true;
        w.notifyAll();
      }
    }
    // a recall may have been lost with the events: hand every lease back (they are asked again)
    List<FileState> leased = new ArrayList<>();
    synchronized (this) {
      for (FileState f : files.values()) {
        synchronized (f) {
          if (f.leaseSession == s) {
            leased.add(f);
          }
        }
      }
    }
    for (FileState f : leased) {
      recalled(s, f.ino);
    }
  }

  @Override
  public void lost(long s) {
    List<FileState> all;
    synchronized (this) {
      all = new ArrayList<>(files.values());
    }
    for (FileState f : all) {
      synchronized (f) {
        lostLocked(f, s);
      }
    }
    for (Waiter w : waiters.values()) {
      synchronized (w) {
        if (w.session == s) {
          w.lost = true;
          w.notifyAll();
        }
      }
    }
  }

  /** What the file held under {@code s} is gone; if that was a lock, the file is lost. */
  private static void lostLocked(FileState f, long s) {
    boolean held = false;
    if (f.leaseSession == s) {
      held = f.holdsLocally();
      f.leaseSession = 0;
      f.posix = List.of();
      f.flock = List.of();
    }
    if (f.serverSession == s) {
      held |= f.holdsAtServer();
      f.serverPosix.clear();
      f.serverFlock.clear();
      f.serverSession = 0;
    }
    if (held) {
      f.lost = true;
      LOG.warn("locks on inode {} lost with session {}", f.ino, s);
    }
  }

  // ---- requests ----

  private static MetaRequest.Builder request(long s) {
    return MetaRequest.newBuilder().setCaller(ROOT).setSession(s);
  }

  private static LockReq request(long ino, int kind, Lock l, boolean wait) {
    return LockReq.newBuilder()
        .setIno(ino)
        .setKind(kind)
        .setOwner(l.owner().id())
        .setType(
            switch (l.type()) {
              case READ -> 0;
              case WRITE -> 1;
              case UNLOCK -> 2;
            })
        .setStart(l.start())
        .setEnd(l.end() >= LockTable.TO_EOF ? 0 : l.end())
        .setPid(l.pid())
        .setWait(wait)
        .build();
  }

  /** A lock request under session {@code s}; SessionEndedException tells the session. */
  private LockReply send(long s, boolean read, UnaryOperator<MetaRequest.Builder> op)
      throws HearthException {
    MetaRequest req = op.apply(request(s)).build();
    try {
      MetaReply r = Futures.join(read ? meta.read(req) : meta.write(req));
      return r.getLock();
    } catch (SessionEndedException e) {
      session.ended(s);
      throw e;
    }
  }

  private static HearthException unexpected(LockReply r) {
    return new HearthException(Errno.EIO, "unexpected lock reply " + r.getOutcome());
  }
}
