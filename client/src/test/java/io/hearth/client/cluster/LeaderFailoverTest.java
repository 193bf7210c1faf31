package io.hearth.client.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.DirEntry;
import io.hearth.client.HearthClient;
import io.hearth.client.Stat;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Eight clients create, rename and unlink files, each in its own directory, while the meta leader
 * is killed with SIGKILL and later restarted. Afterwards:
 *
 * <ul>
 *   <li>every acknowledged operation's effect is there: the directory holds exactly the replay of
 *       the acknowledged operations, except the names of operations whose outcome the client could
 *       not know (a retry/timeout failure), each of which is checked for what it may have done: a
 *       create made the file or not, an unlink removed it or not, a rename moved the inode or not
 *       but never both or neither;
 *   <li>nothing applied twice: every name is fresh, so a retried create answered EEXIST, or a
 *       retried rename/unlink answered ENOENT, is a duplicate the retry cache let through;
 *   <li>every failure is an errno within a bound, never a hang;
 *   <li>all three replicas, the restarted one included, hold the same namespace at one index.
 * </ul>
 *
 * Reports (does not assert) the longest time a client waited around the kill. Rerun a failing
 * schedule with {@code -Dhearth.seed=N}.
 */
class LeaderFailoverTest {
  private static final int CLIENTS = 8;
  private static final int OPS_PER_CLIENT_MAX = 5000;
  private static final Duration RUN_DEADLINE = Duration.ofSeconds(75);

  /** Longer than a failover (a few seconds); an op still unanswered after it counts as a hang. */
  private static final Duration OP_TIMEOUT = Duration.ofSeconds(20);

  private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(40);

  /** Acknowledged ops required before the kill, while the old leader is down, and after restart. */
  private static final int ACKS_PER_PHASE = 400;

  /** Failures that may hide an applied op: the client lost its answer, not the server refused. */
  private static final Set<Errno> UNKNOWN_OUTCOME =
      EnumSet.of(Errno.ETIMEDOUT, Errno.EHOSTUNREACH, Errno.EIO);

  enum Kind {
    CREATE,
    RENAME,
    UNLINK
  }

  /**
   * One operation as the client saw it: {@code errno} null when acknowledged; {@code ino} the inode
   * it concerns when known. Times in ms since the run started.
   */
  record Op(
      int client,
      int seq,
      Kind kind,
      String from,
      String to,
      long ino,
      long startMs,
      long endMs,
      Errno errno,
      String detail) {
    long latencyMs() {
      return endMs - startMs;
    }

    @Override
    public String toString() {
      return "c"
          + client
          + "#"
          + seq
          + " "
          + kind
          + " "
          + from
          + (to != null ? "->" + to : "")
          + " ["
          + startMs
          + ".."
          + endMs
          + "ms] "
          + (errno == null ? "ack" : errno + " " + detail);
    }
  }

  /** One client: its own HearthClient, its own directory, a seeded schedule. */
  static final class Worker implements Runnable {
    final int id;
    final String dir;
    final HearthClient h;
    final Random rnd;
    final long t0;
    final AtomicBoolean stop;
    final AtomicInteger acks;
    final long deadlineNanos;
    final List<Op> ops = new ArrayList<>();

    /** Names that certainly exist, with their inode: the replay of acknowledged ops. */
    final Map<String, Long> live = new LinkedHashMap<>();

    final List<String> liveNames = new ArrayList<>();

    /** Ops whose outcome is unknown (and ops that failed wrongly); their names are never reused. */
    final List<Op> unknown = new ArrayList<>();

    final List<Op> violations = new ArrayList<>();
    volatile Throwable crash;

    Worker(
        int id,
        HearthClient h,
        long seed,
        long t0,
        AtomicBoolean stop,
        AtomicInteger acks,
        long deadlineNanos) {
      this.id = id;
      this.dir = "/c" + id;
      this.h = h;
      this.rnd = new Random(seed);
      this.t0 = t0;
      this.stop = stop;
      this.acks = acks;
      this.deadlineNanos = deadlineNanos;
    }

    private long nowMs() {
      return (System.nanoTime() - t0) / 1_000_000;
    }

    @Override
    public void run() {
      try {
        for (int seq = 0;
            seq < OPS_PER_CLIENT_MAX && !stop.get() && System.nanoTime() < deadlineNanos;
            seq++) {
          step(seq);
        }
      } catch (Throwable t) {
        crash = t;
      }
    }

    private void step(int seq) {
      double r = rnd.nextDouble();
      Kind kind =
          liveNames.size() < 4 || r < 0.45 ? Kind.CREATE : r < 0.75 ? Kind.RENAME : Kind.UNLINK;
      String from;
      String to = null;
      long ino = -1;
      if (kind == Kind.CREATE) {
        from = "f" + seq;
      } else {
        from = liveNames.get(rnd.nextInt(liveNames.size()));
        ino = live.get(from);
        if (kind == Kind.RENAME) {
          to = "r" + seq;
        }
      }
      long start = nowMs();
      Errno errno = null;
      String detail = null;
      try {
        switch (kind) {
          case CREATE ->
              ino = Load.bounded(h.createAsync(dir + "/" + from, 0644), OP_TIMEOUT).ino();
          case RENAME ->
              Load.bounded(h.renameAsync(dir + "/" + from, dir + "/" + to, 0), OP_TIMEOUT);
          case UNLINK -> Load.bounded(h.unlinkAsync(dir + "/" + from), OP_TIMEOUT);
        }
      } catch (HearthException e) {
        errno = e.errno();
        detail = e.detail();
      }
      Op op = new Op(id, seq, kind, from, to, ino, start, nowMs(), errno, detail);
      ops.add(op);
      if (kind != Kind.CREATE) {
        forget(from);
      }
      if (errno == null) {
        acks.incrementAndGet();
        if (kind != Kind.UNLINK) {
          remember(kind == Kind.CREATE ? from : to, ino);
        }
      } else {
        // Every name is fresh and every source certainly existed: no errno but a lost answer is
        // legitimate, and EEXIST/ENOENT here means an earlier attempt of this very call applied.
        unknown.add(op);
        if (!UNKNOWN_OUTCOME.contains(errno)) {
          violations.add(op);
        }
      }
    }

    private void remember(String name, long ino) {
      live.put(name, ino);
      liveNames.add(name);
    }

    private void forget(String name) {
      live.remove(name);
      int i = liveNames.indexOf(name);
      liveNames.set(i, liveNames.getLast());
      liveNames.removeLast();
    }

    /** Checks the directory against the replay; returns the problems found. */
    List<String> verify(Map<String, Long> actual) {
      List<String> problems = new ArrayList<>();
      Map<String, Long> expected = new HashMap<>(live);
      for (Map.Entry<String, Long> e : live.entrySet()) {
        Long got = actual.get(e.getKey());
        if (got == null) {
          problems.add(dir + "/" + e.getKey() + " missing (acknowledged)");
        } else if (!got.equals(e.getValue())) {
          problems.add(
              dir + "/" + e.getKey() + " is inode " + got + ", acknowledged as " + e.getValue());
        }
      }
      for (Op op : unknown) {
        boolean fromThere = actual.containsKey(op.from());
        switch (op.kind()) {
          case CREATE -> expected.put(op.from(), -1L);
          case UNLINK -> {
            expected.put(op.from(), op.ino());
            if (fromThere && actual.get(op.from()) != op.ino()) {
              problems.add(op + ": name now holds inode " + actual.get(op.from()));
            }
          }
          case RENAME -> {
            boolean toThere = actual.containsKey(op.to());
            expected.put(op.from(), op.ino());
            expected.put(op.to(), op.ino());
            if (fromThere == toThere) {
              problems.add(
                  op
                      + ": rename not atomic, source "
                      + (fromThere ? "and" : "nor")
                      + " target present");
            }
            Long moved = actual.get(toThere ? op.to() : op.from());
            if (moved != null && moved != op.ino()) {
              problems.add(op + ": holds inode " + moved + ", expected " + op.ino());
            }
          }
        }
      }
      for (String name : actual.keySet()) {
        if (!expected.containsKey(name)) {
          problems.add(
              dir
                  + "/"
                  + name
                  + " present, but no op leaves it there (an acked unlink/rename undone?)");
        }
      }
      return problems;
    }
  }

  @Test
  @Timeout(240)
  void killedLeaderLosesNothingAndAppliesNothingTwice() throws Exception {
    long seed = Long.getLong("hearth.seed", System.nanoTime());
    System.out.printf(
        "LeaderFailoverTest seed=%d clients=%d opsMax=%d deadline=%s opTimeout=%s acksPerPhase=%d (rerun: -Dhearth.seed=%d)%n",
        seed, CLIENTS, OPS_PER_CLIENT_MAX, RUN_DEADLINE, OP_TIMEOUT, ACKS_PER_PHASE, seed);
    ProcessCluster.run("leader-failover", 3, Map.of(), c -> run(c, seed));
  }

  private void run(ProcessCluster c, long seed) throws Exception {
    c.waitForLeader(PHASE_TIMEOUT);
    try (HearthClient admin = c.client()) {
      for (int i = 0; i < CLIENTS; i++) {
        admin.mkdir("/c" + i, 0755);
      }
    }
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger acks = new AtomicInteger();
    long t0 = System.nanoTime();
    long deadline = t0 + RUN_DEADLINE.toNanos();
    List<Worker> workers = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      Worker w = new Worker(i, c.client(), seed + i, t0, stop, acks, deadline);
      workers.add(w);
      threads.add(Thread.ofPlatform().name("failover-client-" + i).start(w));
    }
    String victim;
    long killMs;
    long restartMs;
    try {
      awaitAcks(acks::get, ACKS_PER_PHASE, "before the kill");
      victim = c.waitForLeader(PHASE_TIMEOUT);
      killMs = (System.nanoTime() - t0) / 1_000_000;
      c.kill9(victim);
      String next = c.waitForLeader(PHASE_TIMEOUT, victim);
      c.log(
          "killed leader "
              + victim
              + " at "
              + killMs
              + "ms; new leader "
              + next
              + " after "
              + ((System.nanoTime() - t0) / 1_000_000 - killMs)
              + "ms");
      int atKill = acks.get();
      awaitAcks(() -> acks.get() - atKill, ACKS_PER_PHASE, "with " + victim + " down");
      restartMs = (System.nanoTime() - t0) / 1_000_000;
      c.restart(victim);
      c.waitUp(victim, PHASE_TIMEOUT);
      int atRestart = acks.get();
      awaitAcks(() -> acks.get() - atRestart, ACKS_PER_PHASE, "after " + victim + " restarted");
    } finally {
      stop.set(true);
      for (Thread t : threads) {
        t.join(OP_TIMEOUT.plusSeconds(10).toMillis());
      }
      for (Worker w : workers) {
        w.h.close();
      }
    }
    for (Thread t : threads) {
      assertTrue(!t.isAlive(), t.getName() + " did not finish within its op bound");
    }
    report(workers, killMs, restartMs);

    ProcessCluster.Digest d = c.assertReplicasEqual(Duration.ofSeconds(60));
    c.log("replicas equal, restarted " + victim + " included: " + d);
    List<String> problems = new ArrayList<>();
    try (HearthClient reader = c.client()) {
      for (Worker w : workers) {
        if (w.crash != null) {
          throw new AssertionError("client " + w.id + " crashed", w.crash);
        }
        Map<String, Long> actual = new HashMap<>();
        for (DirEntry e : reader.list(w.dir, false)) {
          actual.put(e.name(), e.ino());
        }
        problems.addAll(w.verify(actual));
        for (String name : w.live.keySet()) {
          Stat s = reader.stat(w.dir + "/" + name);
          if (!s.isRegular() || s.nlink() != 1) {
            problems.add(w.dir + "/" + name + " is " + s);
          }
        }
      }
    }
    List<Op> violations = workers.stream().flatMap(w -> w.violations.stream()).toList();
    List<Op> hangs =
        workers.stream()
            .flatMap(w -> w.ops.stream())
            .filter(o -> o.errno() == Errno.ETIMEDOUT && o.detail().contains("test bound"))
            .toList();
    assertEquals(
        List.of(),
        violations,
        "ops that failed with an errno no retry may produce (applied twice?)");
    assertEquals(List.of(), hangs, "ops with no answer, not even an errno, within " + OP_TIMEOUT);
    assertEquals(List.of(), problems, "namespace differs from the replay of acknowledged ops");
  }

  private static void awaitAcks(IntSupplier progress, int target, String phase)
      throws InterruptedException {
    long deadline = System.nanoTime() + PHASE_TIMEOUT.toNanos();
    while (progress.getAsInt() < target) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "only "
                + progress.getAsInt()
                + " of "
                + target
                + " ops acknowledged "
                + phase
                + " within "
                + PHASE_TIMEOUT);
      }
      Thread.sleep(20);
    }
  }

  /** Prints counts and the stalls: what a user would have felt when the leader died. */
  private static void report(List<Worker> workers, long killMs, long restartMs) {
    List<Op> all = workers.stream().flatMap(w -> w.ops.stream()).toList();
    long acked = all.stream().filter(o -> o.errno() == null).count();
    Map<String, Long> byKind = new LinkedHashMap<>();
    for (Op o : all) {
      byKind.merge(o.kind() + (o.errno() == null ? " ack" : " " + o.errno()), 1L, Long::sum);
    }
    System.out.printf("ops: %d total, %d acknowledged; %s%n", all.size(), acked, byKind);
    Op longest =
        all.stream().max((a, b) -> Long.compare(a.latencyMs(), b.latencyMs())).orElseThrow();
    System.out.printf(
        "kill at %dms, restart at %dms; longest single op: %dms (%s)%n",
        killMs, restartMs, longest.latencyMs(), longest);
    List<Op> spanning =
        all.stream().filter(o -> o.startMs() <= killMs && o.endMs() >= killMs).toList();
    System.out.printf(
        "ops in flight at the kill (answered by the old leader or retried to the new): %d%n",
        spanning.size());
    spanning.forEach(o -> System.out.println("  in flight: " + o));
    long worstGap = 0;
    for (Worker w : workers) {
      // From the kill to the acknowledgement of this client's first op issued after the kill.
      long firstAck =
          w.ops.stream()
              .filter(o -> o.errno() == null && o.startMs() >= killMs)
              .mapToLong(Op::endMs)
              .min()
              .orElse(-1);
      long gap = firstAck < 0 ? -1 : firstAck - killMs;
      worstGap = Math.max(worstGap, gap);
      System.out.printf(
          "  client %d: %d ops, %d unknown outcome, first op issued after the kill acked at +%dms, longest op %dms%n",
          w.id,
          w.ops.size(),
          w.unknown.size(),
          gap,
          w.ops.stream().mapToLong(Op::latencyMs).max().orElse(0));
    }
    System.out.printf(
        "STALL: kill to the first acknowledged op issued after it, worst client: %dms; longest single op %dms%n",
        worstGap, longest.latencyMs());
    workers.stream()
        .flatMap(w -> w.unknown.stream())
        .forEach(o -> System.out.println("  unknown outcome: " + o));
  }
}
