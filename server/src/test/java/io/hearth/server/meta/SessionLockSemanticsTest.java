package io.hearth.server.meta;

import static io.hearth.server.meta.TestFs.assertErrno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.SessionEndedException;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.Claim;
import io.hearth.protocol.meta.LeaseReply;
import io.hearth.protocol.meta.LeaseReq;
import io.hearth.protocol.meta.LeaseReturnReq;
import io.hearth.protocol.meta.LockCancelReq;
import io.hearth.protocol.meta.LockReleaseReq;
import io.hearth.protocol.meta.LockReply;
import io.hearth.protocol.meta.LockReq;
import io.hearth.protocol.meta.LockTestReq;
import io.hearth.protocol.meta.LockWaitReq;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.OpenReq;
import io.hearth.protocol.meta.SessionCloseReq;
import io.hearth.protocol.meta.SessionEvent;
import io.hearth.protocol.meta.SessionExpireReq;
import io.hearth.protocol.meta.SessionInfo;
import io.hearth.protocol.meta.SessionListReq;
import io.hearth.protocol.meta.SessionOpenReq;
import io.hearth.protocol.meta.SessionPollReply;
import io.hearth.protocol.meta.SessionPollReq;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sessions, cluster-wide locks and leases as the meta group applies them, with the leader's session
 * hub: conflicts between sessions, waiters woken by a release and told by their poll, deadlock
 * refusal, a session's end freeing what it held, a new leader's fresh TTLs, leases recalled and
 * handed back, orphans kept while a session holds them open, and stale sessions refused.
 */
class SessionLockSemanticsTest extends SemanticsBase {
  static final int TTL_MS = 10_000;
  static final int READ = 0;
  static final int WRITE = 1;
  static final int UNLOCK = 2;
  static final long EOF = 0;

  TestFs s1;
  TestFs s2;
  long ino;

  @BeforeEach
  void twoSessions() throws Exception {
    s1 = root.inSession(open(root));
    s2 = root.inSession(open(root));
    ino = root.create("/db", 0666).getIno();
  }

  long open(TestFs fs) throws Exception {
    return fs.send(
            MetaRequest.newBuilder()
                .setSessionOpen(
                    SessionOpenReq.newBuilder().setHost("node").setTtlMs(TTL_MS).setVersion("t")))
        .getSession()
        .getSession();
  }

  SessionPollReply poll(TestFs fs, long after) throws Exception {
    return poll(SessionPollReq.newBuilder().setSession(fs.session()).setAfterEvent(after));
  }

  /** The epoch of the last poll reply: event numbers count in it. */
  long epoch;

  SessionPollReply poll(SessionPollReq.Builder p) throws Exception {
    SessionPollReply r =
        root.send(MetaRequest.newBuilder().setSessionPoll(p.setEpoch(epoch))).getPoll();
    epoch = r.getEpoch();
    return r;
  }

  static LockReq.Builder posix(long ino, long owner, int type, long start, long end) {
    return LockReq.newBuilder()
        .setIno(ino)
        .setKind(0)
        .setOwner(owner)
        .setType(type)
        .setStart(start)
        .setEnd(end)
        .setPid(4242);
  }

  LockReply lock(TestFs fs, LockReq.Builder r) throws HearthException {
    return fs.send(MetaRequest.newBuilder().setLock(r)).getLock();
  }

  LockReply test(TestFs fs, LockReq.Builder r) throws HearthException {
    return fs.send(MetaRequest.newBuilder().setLockTest(LockTestReq.newBuilder().setLock(r)))
        .getLock();
  }

  void release(TestFs fs, long owner) throws Exception {
    fs.send(
        MetaRequest.newBuilder()
            .setLockRelease(LockReleaseReq.newBuilder().setIno(ino).setKind(0).setOwner(owner)));
  }

  @Test
  void recordLocksConflictBetweenSessionsNotWithinAnOwner() throws Exception {
    assertEquals(LockReply.Outcome.GRANTED, lock(s1, posix(ino, 1, WRITE, 0, 10)).getOutcome());
    assertErrno(
        Errno.EAGAIN, () -> lock(s2, posix(ino, 1, READ, 5, 6)), "same owner id, other session");
    assertErrno(
        Errno.EAGAIN, () -> lock(s1, posix(ino, 2, READ, 5, 6)), "other owner, same session");
    // downgrade the first half: a reader of another session fits there, not in the second half
    lock(s1, posix(ino, 1, READ, 0, 5));
    assertEquals(LockReply.Outcome.GRANTED, lock(s2, posix(ino, 1, READ, 0, 5)).getOutcome());
    LockReply t = test(s2, posix(ino, 9, WRITE, 0, EOF));
    assertEquals(LockReply.Outcome.CONFLICT, t.getOutcome());
    assertEquals(s1.session(), t.getHolderSession());
    assertEquals(4242, t.getHolder().getPid());
    assertEquals(LockReply.Outcome.FREE, test(s2, posix(ino, 9, WRITE, 10, 20)).getOutcome());
    // unlock a range in the middle of s1's write lock splits it
    lock(s1, posix(ino, 1, UNLOCK, 6, 8));
    assertEquals(LockReply.Outcome.GRANTED, lock(s2, posix(ino, 1, WRITE, 6, 8)).getOutcome());
    assertErrno(Errno.EAGAIN, () -> lock(s2, posix(ino, 1, WRITE, 8, 9)));
  }

  @Test
  void aWaiterIsGrantedOnReleaseAndToldByItsPoll() throws Exception {
    lock(s1, posix(ino, 1, WRITE, 0, EOF));
    LockReply w = lock(s2, posix(ino, 1, WRITE, 0, EOF).setWait(true));
    assertEquals(LockReply.Outcome.WAITING, w.getOutcome());
    assertEquals(0, poll(s2, 0).getEventsCount());
    assertEquals(
        LockReply.Outcome.WAITING,
        s2.send(
                MetaRequest.newBuilder()
                    .setLockWait(LockWaitReq.newBuilder().setIno(ino).setWaiter(w.getWaiter())))
            .getLock()
            .getOutcome());
    release(s1, 1);
    SessionPollReply p = poll(s2, 0);
    assertEquals(1, p.getEventsCount());
    SessionEvent e = p.getEvents(0);
    assertEquals(ino, e.getGranted().getIno());
    assertEquals(w.getWaiter(), e.getGranted().getWaiter());
    assertEquals(0, poll(s2, e.getSeq()).getEventsCount(), "acknowledged events are not resent");
    assertErrno(Errno.EAGAIN, () -> lock(s1, posix(ino, 1, READ, 0, 1)), "s2 holds it now");
  }

  @Test
  void waitersAreTriedInOrderAndCompatibleOnesGrantedTogether() throws Exception {
    TestFs s3 = root.inSession(open(root));
    lock(s1, posix(ino, 1, WRITE, 0, EOF));
    long r2 = lock(s2, posix(ino, 1, READ, 0, EOF).setWait(true)).getWaiter();
    long r3 = lock(s3, posix(ino, 1, READ, 0, EOF).setWait(true)).getWaiter();
    long w1 = lock(s1, posix(ino, 2, WRITE, 0, EOF).setWait(true)).getWaiter();
    release(s1, 1);
    assertEquals(r2, poll(s2, 0).getEvents(0).getGranted().getWaiter());
    assertEquals(r3, poll(s3, 0).getEvents(0).getGranted().getWaiter());
    assertEquals(0, poll(s1, 0).getEventsCount(), "the writer waits behind both readers");
    release(s2, 1);
    s3.send(
        MetaRequest.newBuilder()
            .setLockRelease(LockReleaseReq.newBuilder().setIno(ino).setOwner(1)));
    assertEquals(w1, poll(s1, 0).getEvents(0).getGranted().getWaiter());
  }

  @Test
  void aWaitThatWouldCloseACycleIsRefusedWithEdeadlk() throws Exception {
    long other = root.create("/other", 0666).getIno();
    lock(s1, posix(ino, 1, WRITE, 0, EOF));
    lock(s2, posix(other, 1, WRITE, 0, EOF));
    assertEquals(
        LockReply.Outcome.WAITING,
        lock(s1, posix(other, 1, WRITE, 0, EOF).setWait(true)).getOutcome());
    assertErrno(Errno.EDEADLK, () -> lock(s2, posix(ino, 1, WRITE, 0, EOF).setWait(true)));
    assertErrno(Errno.EAGAIN, () -> lock(s2, posix(ino, 1, WRITE, 0, EOF)), "F_SETLK: EAGAIN");
  }

  @Test
  void aCancelledWaiterIsNeverGranted() throws Exception {
    lock(s1, posix(ino, 1, WRITE, 0, EOF));
    long w = lock(s2, posix(ino, 1, WRITE, 0, EOF).setWait(true)).getWaiter();
    LockReply c =
        s2.send(
                MetaRequest.newBuilder()
                    .setLockCancel(LockCancelReq.newBuilder().setIno(ino).setWaiter(w)))
            .getLock();
    assertEquals(LockReply.Outcome.CANCELLED, c.getOutcome());
    release(s1, 1);
    assertEquals(0, poll(s2, 0).getEventsCount());
    assertEquals(LockReply.Outcome.GRANTED, lock(s1, posix(ino, 3, WRITE, 0, EOF)).getOutcome());
  }

  @Test
  void flockLocksAreWholeFileAndApartFromRecordLocks() throws Exception {
    LockReq.Builder ex = LockReq.newBuilder().setIno(ino).setKind(1).setOwner(7).setType(WRITE);
    assertEquals(LockReply.Outcome.GRANTED, lock(s1, ex).getOutcome());
    assertErrno(Errno.EAGAIN, () -> lock(s2, ex.clone().setType(READ)));
    assertEquals(
        LockReply.Outcome.GRANTED,
        lock(s2, posix(ino, 7, WRITE, 0, EOF)).getOutcome(),
        "flock and fcntl locks do not see each other, as on Linux");
    lock(s1, ex.clone().setType(READ)); // convert to shared
    assertEquals(LockReply.Outcome.GRANTED, lock(s2, ex.clone().setType(READ)).getOutcome());
  }

  @Test
  void anExpiredSessionLosesItsLocksAndItsWaitersAreGranted() throws Exception {
    lock(s1, posix(ino, 1, WRITE, 0, EOF));
    long w = lock(s2, posix(ino, 1, WRITE, 0, EOF).setWait(true)).getWaiter();
    h.clock().advance(6_000);
    poll(s2, 0);
    h.keeperStep();
    assertEquals(0, poll(s2, 0).getEventsCount(), "s1 still within its TTL");
    h.clock().advance(6_000);
    poll(s2, 0);
    h.keeperStep();
    SessionPollReply p = poll(s2, 0);
    assertEquals(w, p.getEvents(0).getGranted().getWaiter());
    assertTrue(poll(s1, 0).getExpired());
    Exception e = assertThrows(Exception.class, () -> lock(s1, posix(ino, 2, READ, 0, 1)));
    assertInstanceOf(SessionEndedException.class, e, "a stale session's request is refused");
    assertInstanceOf(
        SessionEndedException.class,
        assertThrows(Exception.class, () -> s1.create("/late", 0644)),
        "any change a stale session asks for");
    root.create("/ok", 0644); // without a session, as before
  }

  @Test
  void aNewLeaderGivesEverySessionAFreshTtlAndAsksForAResync() throws Exception {
    lock(s1, posix(ino, 1, WRITE, 0, EOF));
    h.clock().advance(9_000);
    h.newLeader();
    h.clock().advance(5_000);
    h.keeperStep();
    assertErrno(Errno.EAGAIN, () -> lock(s2, posix(ino, 1, WRITE, 0, EOF)), "s1 not expired");
    SessionPollReply p = poll(s1, 0);
    assertTrue(p.getResync());
    assertFalse(
        poll(SessionPollReq.newBuilder().setSession(s1.session()).setFull(true)).getResync());
    for (int i = 0; i < 11; i++) {
      h.clock().advance(1_000);
      poll(s2, 0); // s1 stops polling: it expires, s2 does not
      h.keeperStep();
    }
    assertEquals(LockReply.Outcome.GRANTED, lock(s2, posix(ino, 1, WRITE, 0, EOF)).getOutcome());
  }

  @Test
  void aLeaseIsRecalledWhenAnotherSessionAsksAndHandedBackWithItsLocks() throws Exception {
    assertTrue(lease(s1).getGranted());
    LockReply r = lock(s2, posix(ino, 1, WRITE, 0, EOF));
    assertEquals(LockReply.Outcome.RECALLING, r.getOutcome());
    assertEquals(s1.session(), r.getHolderSession());
    assertEquals(LockReply.Outcome.RECALLING, test(s2, posix(ino, 1, WRITE, 0, EOF)).getOutcome());
    SessionPollReply p = poll(s1, 0);
    assertEquals(1, p.getEventsCount(), "one recall, however often the other asks");
    assertEquals(ino, p.getEvents(0).getRecall().getIno());
    // s1 took a lock under its lease, in its own client: it hands that back with the lease
    s1.send(
        MetaRequest.newBuilder()
            .setLeaseReturn(
                LeaseReturnReq.newBuilder().setIno(ino).addLocks(posix(ino, 5, WRITE, 0, 100))));
    assertErrno(Errno.EAGAIN, () -> lock(s2, posix(ino, 1, WRITE, 0, EOF)));
    assertEquals(LockReply.Outcome.GRANTED, lock(s2, posix(ino, 1, WRITE, 100, EOF)).getOutcome());
    assertFalse(lease(s1).getGranted(), "no lease while another session holds locks");
    assertFalse(lease(s2).getGranted());
  }

  @Test
  void aHolderThatDoesNotAnswerARecallIsEvicted() throws Exception {
    assertTrue(lease(s1).getGranted());
    assertEquals(LockReply.Outcome.RECALLING, lock(s2, posix(ino, 1, WRITE, 0, EOF)).getOutcome());
    for (int i = 0; i < 12; i++) {
      h.clock().advance(1_000);
      poll(s1, 0); // alive, but never hands the lease back
      poll(s2, 0);
      h.keeperStep();
    }
    assertTrue(poll(s1, 0).getExpired());
    assertEquals(LockReply.Outcome.GRANTED, lock(s2, posix(ino, 1, WRITE, 0, EOF)).getOutcome());
  }

  LeaseReply lease(TestFs fs) throws Exception {
    return fs.send(MetaRequest.newBuilder().setLease(LeaseReq.newBuilder().setIno(ino))).getLease();
  }

  @Test
  void anOrphanStaysWhileASessionHoldsItOpenAndGoesAfter() throws Exception {
    Attr f = root.create("/held", 0644);
    s1.send(
        MetaRequest.newBuilder()
            .setOpen(OpenReq.newBuilder().setLoc(TestFs.loc("/held")).setClaim(1)));
    root.unlink("/held");
    h.keeperStep();
    assertEquals(0, root.stat(TestFs.locAt(f.getIno(), ""), false).getNlink(), "kept");
    assertErrno(
        Errno.ENOENT,
        () ->
            s2.send(
                MetaRequest.newBuilder()
                    .setOpen(OpenReq.newBuilder().setLoc(TestFs.locAt(f.getIno(), "")))),
        "another session cannot open it by number: it has no name");
    s1.send(
        MetaRequest.newBuilder()
            .setOpen(OpenReq.newBuilder().setLoc(TestFs.locAt(f.getIno(), "")).setClaim(2)));
    h.newLeader();
    h.keeperStep();
    assertEquals(0, root.stat(TestFs.locAt(f.getIno(), ""), false).getNlink(), "until s1 resyncs");
    poll(
        SessionPollReq.newBuilder()
            .setSession(s1.session())
            .setFull(true)
            .addOpen(Claim.newBuilder().setIno(f.getIno()).setSerial(2)));
    poll(SessionPollReq.newBuilder().setSession(s2.session()).setFull(true));
    h.keeperStep();
    assertEquals(0, root.stat(TestFs.locAt(f.getIno(), ""), false).getNlink(), "s1 holds it");
    s1.send(
        MetaRequest.newBuilder()
            .setOpen(OpenReq.newBuilder().setLoc(TestFs.locAt(f.getIno(), "")).setClaim(3)));
    poll(claimClosed(s1, f.getIno(), 2)); // sent before the open of serial 3 was seen
    h.keeperStep();
    assertEquals(0, root.stat(TestFs.locAt(f.getIno(), ""), false).getNlink(), "opened again");
    poll(claimClosed(s1, f.getIno(), 3));
    h.keeperStep();
    assertErrno(Errno.ENOENT, () -> root.stat(TestFs.locAt(f.getIno(), ""), false), "reaped");
  }

  static SessionPollReq.Builder claimClosed(TestFs fs, long ino, long serial) {
    return SessionPollReq.newBuilder()
        .setSession(fs.session())
        .addClosed(Claim.newBuilder().setIno(ino).setSerial(serial));
  }

  @Test
  void anOrphanOfAnEndedSessionIsReaped() throws Exception {
    Attr f = root.create("/held", 0644);
    s1.send(MetaRequest.newBuilder().setOpen(OpenReq.newBuilder().setLoc(TestFs.loc("/held"))));
    root.rename("/db", "/held"); // replaced: an orphan too
    h.keeperStep();
    assertEquals(0, root.stat(TestFs.locAt(f.getIno(), ""), false).getNlink());
    s1.send(
        MetaRequest.newBuilder()
            .setSessionClose(SessionCloseReq.newBuilder().setSession(s1.session())));
    h.keeperStep();
    assertErrno(Errno.ENOENT, () -> root.stat(TestFs.locAt(f.getIno(), ""), false));
  }

  @Test
  void sessionsAreListedWithWhatTheyHold() throws Exception {
    lock(s1, posix(ino, 1, WRITE, 0, EOF));
    lock(s2, posix(ino, 1, WRITE, 0, EOF).setWait(true));
    poll(s1, 0);
    List<SessionInfo> all =
        root.send(MetaRequest.newBuilder().setSessionList(SessionListReq.getDefaultInstance()))
            .getSessions()
            .getSessionsList();
    assertEquals(2, all.size());
    SessionInfo a = all.stream().filter(x -> x.getSession() == s1.session()).findFirst().get();
    assertEquals(1, a.getLocks());
    assertEquals("node", a.getHost());
    assertEquals(TTL_MS, a.getTtlMs());
    SessionInfo b = all.stream().filter(x -> x.getSession() == s2.session()).findFirst().get();
    assertEquals(1, b.getWaiters());
  }

  @Test
  void badRequestsAreRefused() throws Exception {
    assertErrno(Errno.EINVAL, () -> lock(root, posix(ino, 1, WRITE, 0, EOF)), "no session");
    assertErrno(Errno.EINVAL, () -> lock(s1, posix(ino, 1, WRITE, 0, EOF).setKind(5)));
    assertErrno(Errno.EINVAL, () -> lock(s1, posix(ino, 1, 7, 0, EOF)));
    assertErrno(Errno.EINVAL, () -> lock(s1, posix(ino, 1, WRITE, 10, 5)));
    assertErrno(Errno.ENOENT, () -> lock(s1, posix(999_999, 1, WRITE, 0, EOF)));
    assertErrno(
        Errno.EINVAL,
        () ->
            root.send(
                MetaRequest.newBuilder().setSessionOpen(SessionOpenReq.newBuilder().setTtlMs(10))),
        "TTL too short");
    TestFs alice1 = alice.inSession(open(alice));
    assertErrno(
        Errno.EPERM,
        () ->
            alice1.send(
                MetaRequest.newBuilder()
                    .setSessionExpire(SessionExpireReq.newBuilder().addSessions(s1.session()))));
    assertErrno(
        Errno.EPERM,
        () ->
            alice1.send(
                MetaRequest.newBuilder()
                    .setSessionClose(SessionCloseReq.newBuilder().setSession(s1.session()))));
  }
}
