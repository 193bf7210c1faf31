package io.hearth.server.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.LockEntry;
import io.hearth.protocol.meta.LockList;
import io.hearth.protocol.meta.LockReleaseReq;
import io.hearth.protocol.meta.LockReply;
import io.hearth.protocol.meta.LockReq;
import io.hearth.protocol.meta.LockTestReq;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.SessionCloseReq;
import io.hearth.protocol.meta.SessionEvent;
import io.hearth.protocol.meta.SessionOpenReq;
import io.hearth.protocol.meta.SessionPollReq;
import io.hearth.server.meta.store.KeySchema;
import io.hearth.server.meta.store.Txn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The cluster's lock table as the meta group stores it, against a model that knows nothing of
 * ranges: per file, kind and byte, which owner holds which mode. Random requests of a few sessions
 * and owners (set, wait, unlock, release, test, a session's end), each checked against the model:
 * the outcome (granted, EAGAIN, waiting, EDEADLK), the grants the waiters are told of, F_GETLK's
 * answer, and after every step the stored table byte by byte and the sessions' indexes. The seed is
 * printed; {@code -Dhearth.seed=N} replays a run.
 */
class LockStateModelTest extends SemanticsBase {
  static final int BYTES = 16; // byte BYTES stands for "BYTES to EOF"
  static final int STEPS = 3000;
  static final int SESSIONS = 3;
  static final int OWNERS = 2;

  record Owner(int session, long id) {}

  /** A request queued in the model. */
  record Wait(long waiter, Owner owner, int ino, int kind, int type, int start, int end) {}

  /** model[ino][kind][byte]: owner -> type (0 read, 1 write). */
  final List<List<List<Map<Owner, Integer>>>> model = new ArrayList<>();

  final List<Wait> waits = new ArrayList<>();
  final Map<Owner, Long> blocked = new HashMap<>();
  final long[] sessions = new long[SESSIONS];
  final long[] lastEvent = new long[SESSIONS];
  final long[] inos = new long[2];
  Random rnd;

  @Test
  void theStoredTableFollowsTheModel() throws Exception {
    long seed = Long.getLong("hearth.seed", System.nanoTime());
    System.out.println("LockStateModelTest seed " + seed + " (replay: -Dhearth.seed=" + seed + ")");
    rnd = new Random(seed);
    for (int i = 0; i < 2; i++) {
      inos[i] = root.create("/f" + i, 0666).getIno();
      List<List<Map<Owner, Integer>>> kinds = new ArrayList<>();
      for (int k = 0; k < 2; k++) {
        List<Map<Owner, Integer>> bytes = new ArrayList<>();
        for (int b = 0; b <= BYTES; b++) {
          bytes.add(new HashMap<>());
        }
        kinds.add(bytes);
      }
      model.add(kinds);
    }
    for (int s = 0; s < SESSIONS; s++) {
      sessions[s] = openSession();
    }
    for (int step = 0; step < STEPS; step++) {
      String what = step(step);
      try {
        checkStore();
      } catch (AssertionError e) {
        throw new AssertionError("seed " + seed + ", step " + step + " (" + what + ")", e);
      }
    }
  }

  private long openSession() throws HearthException {
    return root.send(
            MetaRequest.newBuilder().setSessionOpen(SessionOpenReq.newBuilder().setTtlMs(60_000)))
        .getSession()
        .getSession();
  }

  private String step(int n) throws Exception {
    int s = rnd.nextInt(SESSIONS);
    Owner o = new Owner(s, 1 + rnd.nextInt(OWNERS));
    int ino = rnd.nextInt(2);
    int kind = rnd.nextInt(4) == 0 ? 1 : 0;
    int r = rnd.nextInt(100);
    if (r < 3) {
      endSession(s);
      return "end session " + s;
    }
    if (blocked.containsKey(o)) {
      return "skip: " + o + " waits"; // a process blocked in F_SETLKW asks nothing else
    }
    if (r < 15) {
      release(o, ino, kind);
      return "release " + o + " ino " + ino + " kind " + kind;
    }
    int start = kind == 1 ? 0 : rnd.nextInt(BYTES);
    int end = kind == 1 || rnd.nextInt(4) == 0 ? BYTES + 1 : start + 1 + rnd.nextInt(BYTES - start);
    int type = rnd.nextInt(r < 30 ? 3 : 2); // some unlocks
    if (r < 40 && type != 2) {
      testLock(o, ino, kind, type, start, end);
      return "test " + o;
    }
    boolean wait = type != 2 && rnd.nextBoolean();
    setLock(o, ino, kind, type, start, end, wait);
    return "set " + o + " ino " + ino + " kind " + kind + " type " + type + " [" + start + "," + end
        + ") wait " + wait;
  }

  private TestFs fs(int s) {
    return root.inSession(sessions[s]);
  }

  private LockReq.Builder req(Owner o, int ino, int kind, int type, int start, int end) {
    return LockReq.newBuilder()
        .setIno(inos[ino])
        .setKind(kind)
        .setOwner(o.id())
        .setType(type)
        .setStart(start)
        .setEnd(end > BYTES ? 0 : end)
        .setPid(100 + o.session());
  }

  private void setLock(Owner o, int ino, int kind, int type, int start, int end, boolean wait)
      throws Exception {
    Errno got = null;
    LockReply reply = null;
    try {
      reply =
          fs(o.session())
              .send(
                  MetaRequest.newBuilder()
                      .setLock(req(o, ino, kind, type, start, end).setWait(wait)))
              .getLock();
    } catch (HearthException e) {
      got = e.errno();
    }
    List<Map<Owner, Integer>> bytes = model.get(ino).get(kind);
    if (kind == 1) {
      removeOwner(bytes, o, 0, BYTES + 1); // a flock conversion releases first
    }
    boolean conflict = type != 2 && conflicts(bytes, o, type, start, end);
    if (!conflict) {
      applyModel(bytes, o, type, start, end);
      assertEquals(null, got, "errno of a set that fits");
      assertEquals(LockReply.Outcome.GRANTED, reply.getOutcome());
    } else if (!wait) {
      assertEquals(Errno.EAGAIN, got, "F_SETLK on a conflict");
    } else if (kind == 0 && wouldDeadlock(o, ino, kind, type, start, end)) {
      assertEquals(Errno.EDEADLK, got, "a wait that closes a cycle");
    } else {
      assertEquals(null, got, "errno of a wait");
      assertEquals(LockReply.Outcome.WAITING, reply.getOutcome());
      waits.add(new Wait(reply.getWaiter(), o, ino, kind, type, start, end));
      blocked.put(o, reply.getWaiter());
    }
    grantModel(ino, kind);
    checkEvents();
  }

  private void release(Owner o, int ino, int kind) throws Exception {
    fs(o.session())
        .send(
            MetaRequest.newBuilder()
                .setLockRelease(
                    LockReleaseReq.newBuilder().setIno(inos[ino]).setKind(kind).setOwner(o.id())));
    removeOwner(model.get(ino).get(kind), o, 0, BYTES + 1);
    grantModel(ino, kind);
    checkEvents();
  }

  private void endSession(int s) throws Exception {
    root.send(
        MetaRequest.newBuilder()
            .setSessionClose(SessionCloseReq.newBuilder().setSession(sessions[s])));
    for (var kinds : model) {
      for (var bytes : kinds) {
        for (Map<Owner, Integer> b : bytes) {
          b.keySet().removeIf(x -> x.session() == s);
        }
      }
    }
    waits.removeIf(w -> w.owner().session() == s);
    blocked.keySet().removeIf(x -> x.session() == s);
    for (int i = 0; i < 2; i++) {
      for (int k = 0; k < 2; k++) {
        grantModel(i, k);
      }
    }
    sessions[s] = openSession();
    lastEvent[s] = 0;
    checkEvents();
  }

  private void testLock(Owner o, int ino, int kind, int type, int start, int end) throws Exception {
    LockReply r =
        fs(o.session())
            .send(
                MetaRequest.newBuilder()
                    .setLockTest(
                        LockTestReq.newBuilder().setLock(req(o, ino, kind, type, start, end))))
            .getLock();
    List<Map<Owner, Integer>> bytes = model.get(ino).get(kind);
    List<Map<Owner, Integer>> view = bytes;
    if (kind == 1) {
      view = copyWithout(bytes, o);
    }
    boolean conflict = conflicts(view, o, type, start, end);
    assertEquals(
        conflict ? LockReply.Outcome.CONFLICT : LockReply.Outcome.FREE, r.getOutcome(), "F_GETLK");
    if (conflict) {
      Owner h = new Owner(indexOf(r.getHolderSession()), r.getHolder().getOwner());
      int from = (int) r.getHolder().getStart();
      Integer held = bytes.get(Math.max(from, start)).get(h);
      assertEquals(true, held != null && (held == 1 || type == 1), "the holder named conflicts");
    }
  }

  private int indexOf(long session) {
    for (int i = 0; i < SESSIONS; i++) {
      if (sessions[i] == session) {
        return i;
      }
    }
    throw new AssertionError("unknown session " + session);
  }

  // ---- the model ----

  private static boolean conflicts(
      List<Map<Owner, Integer>> bytes, Owner o, int type, int start, int end) {
    for (int b = start; b < Math.min(end, BYTES + 1); b++) {
      for (Map.Entry<Owner, Integer> e : bytes.get(b).entrySet()) {
        if (!e.getKey().equals(o) && (type == 1 || e.getValue() == 1)) {
          return true;
        }
      }
    }
    return false;
  }

  private static void applyModel(
      List<Map<Owner, Integer>> bytes, Owner o, int type, int start, int end) {
    for (int b = start; b < Math.min(end, BYTES + 1); b++) {
      if (type == 2) {
        bytes.get(b).remove(o);
      } else {
        bytes.get(b).put(o, type);
      }
    }
  }

  private static void removeOwner(List<Map<Owner, Integer>> bytes, Owner o, int start, int end) {
    applyModel(bytes, o, 2, start, end);
  }

  private static List<Map<Owner, Integer>> copyWithout(List<Map<Owner, Integer>> bytes, Owner o) {
    List<Map<Owner, Integer>> out = new ArrayList<>();
    for (Map<Owner, Integer> b : bytes) {
      Map<Owner, Integer> c = new HashMap<>(b);
      c.remove(o);
      out.add(c);
    }
    return out;
  }

  /** Owners whose locks keep the request from being granted. */
  private Set<Owner> blockers(int ino, int kind, Owner o, int type, int start, int end) {
    Set<Owner> out = new HashSet<>();
    List<Map<Owner, Integer>> bytes = model.get(ino).get(kind);
    for (int b = start; b < Math.min(end, BYTES + 1); b++) {
      for (Map.Entry<Owner, Integer> e : bytes.get(b).entrySet()) {
        if (!e.getKey().equals(o) && (type == 1 || e.getValue() == 1)) {
          out.add(e.getKey());
        }
      }
    }
    return out;
  }

  private boolean wouldDeadlock(Owner o, int ino, int kind, int type, int start, int end) {
    Set<Owner> seen = new HashSet<>();
    List<Owner> frontier = new ArrayList<>(blockers(ino, kind, o, type, start, end));
    while (!frontier.isEmpty()) {
      Owner x = frontier.remove(frontier.size() - 1);
      if (x.equals(o)) {
        return true;
      }
      if (!seen.add(x)) {
        continue;
      }
      for (Wait w : waits) {
        if (w.owner().equals(x) && w.kind() == 0) {
          frontier.addAll(blockers(w.ino(), w.kind(), w.owner(), w.type(), w.start(), w.end()));
        }
      }
    }
    return false;
  }

  /** The waiters of one file and kind, in order: each that fits now is granted. */
  private final Map<Integer, List<Long>> expectedGrants = new HashMap<>();

  private void grantModel(int ino, int kind) {
    List<Map<Owner, Integer>> bytes = model.get(ino).get(kind);
    for (Wait w : new ArrayList<>(waits)) {
      if (w.ino() != ino || w.kind() != kind) {
        continue;
      }
      if (kind == 1) {
        removeOwner(bytes, w.owner(), 0, BYTES + 1);
      }
      if (!conflicts(bytes, w.owner(), w.type(), w.start(), w.end())) {
        applyModel(bytes, w.owner(), w.type(), w.start(), w.end());
        waits.remove(w);
        blocked.remove(w.owner());
        expectedGrants.computeIfAbsent(w.owner().session(), x -> new ArrayList<>()).add(w.waiter());
      }
    }
  }

  /** Every session's poll tells exactly the grants the model made, in order. */
  private void checkEvents() throws Exception {
    for (int s = 0; s < SESSIONS; s++) {
      List<Long> got = new ArrayList<>();
      for (SessionEvent e :
          root.send(
                  MetaRequest.newBuilder()
                      .setSessionPoll(
                          SessionPollReq.newBuilder()
                              .setSession(sessions[s])
                              .setEpoch(1)
                              .setAfterEvent(lastEvent[s])))
              .getPoll()
              .getEventsList()) {
        got.add(e.getGranted().getWaiter());
        lastEvent[s] = e.getSeq();
      }
      assertEquals(expectedGrants.getOrDefault(s, List.of()), got, "grants told to session " + s);
      expectedGrants.remove(s);
    }
  }

  // ---- the store against the model ----

  private void checkStore() throws Exception {
    try (Txn txn = h.store().readTxn()) {
      for (int i = 0; i < 2; i++) {
        for (int k = 0; k < 2; k++) {
          List<Map<Owner, Integer>> stored = new ArrayList<>();
          for (int b = 0; b <= BYTES; b++) {
            stored.add(new HashMap<>());
          }
          Set<Long> holders = new HashSet<>();
          byte[] v = txn.get(KeySchema.locks(inos[i], k));
          if (v != null) {
            for (LockEntry e : LockList.parseFrom(v).getLocksList()) {
              Owner o = new Owner(indexOf(e.getSession()), e.getOwner());
              long end = Math.min(e.getEnd(), BYTES + 1);
              for (long b = e.getStart(); b < end; b++) {
                stored.get((int) b).put(o, e.getType());
              }
              holders.add(e.getSession());
            }
          }
          assertEquals(model.get(i).get(k), stored, "locks of file " + i + " kind " + k);
          for (long s : sessions) {
            assertEquals(
                holders.contains(s),
                txn.get(KeySchema.sessionLocks(s, inos[i], k)) != null,
                "index of session " + s);
          }
        }
      }
    }
  }
}
