package io.hearth.server.meta.ops;

import com.google.protobuf.InvalidProtocolBufferException;
import io.hearth.protocol.meta.LockEntry;
import io.hearth.protocol.meta.LockList;
import io.hearth.protocol.meta.LockReq;
import io.hearth.protocol.posix.LockTable;
import io.hearth.server.meta.store.KeySchema;
import io.hearth.server.meta.store.Txn;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The cluster's locks as namespace state: per file and kind (POSIX record locks, flock) a {@link
 * LockTable} ('K'), the waiters queued behind it in arrival order ('W'), and per session indexes of
 * both ('k', 'w') so that a session's end finds everything it held; plus leases ('L', 'l'). The
 * rules of locks are {@link LockTable}'s; this class stores them.
 *
 * <p>Granting: whenever a file's table changes, its waiters are tried in order and every one that
 * no longer conflicts is granted (as Linux wakes every blocked request and lets it try), each grant
 * an {@link Effects.Granted} for the leader to tell the waiting session.
 */
final class LockState {
  static final int POSIX = 0;
  static final int FLOCK = 1;

  /** Waiters a single file may have; more get ENOLCK. */
  static final int WAITERS_PER_FILE_MAX = 1024;

  /** Owners a deadlock check visits before it gives up looking (and lets the request wait). */
  static final int DEADLOCK_SEARCH_MAX = 256;

  private LockState() {}

  static LockTable.Type type(int t) {
    return switch (t) {
      case 0 -> LockTable.Type.READ;
      case 1 -> LockTable.Type.WRITE;
      default -> LockTable.Type.UNLOCK;
    };
  }

  static int typeNumber(LockTable.Type t) {
    return switch (t) {
      case READ -> 0;
      case WRITE -> 1;
      case UNLOCK -> 2;
    };
  }

  static LockTable.Lock lock(long session, LockReq r) {
    long end = r.getEnd() <= 0 || r.getEnd() > LockTable.TO_EOF ? LockTable.TO_EOF : r.getEnd();
    return new LockTable.Lock(
        new LockTable.Owner(session, r.getOwner()),
        type(r.getType()),
        r.getStart(),
        end,
        r.getPid());
  }

  static LockTable.Lock lock(LockEntry e) {
    return new LockTable.Lock(
        new LockTable.Owner(e.getSession(), e.getOwner()),
        type(e.getType()),
        e.getStart(),
        e.getEnd(),
        e.getPid());
  }

  static LockEntry entry(LockTable.Lock l) {
    return LockEntry.newBuilder()
        .setSession(l.owner().session())
        .setOwner(l.owner().id())
        .setType(typeNumber(l.type()))
        .setStart(l.start())
        .setEnd(l.end())
        .setPid(l.pid())
        .build();
  }

  static LockReq request(LockTable.Lock l, long ino, int kind) {
    return LockReq.newBuilder()
        .setIno(ino)
        .setKind(kind)
        .setOwner(l.owner().id())
        .setType(typeNumber(l.type()))
        .setStart(l.start())
        .setEnd(l.end())
        .setPid(l.pid())
        .build();
  }

  // ---- the table of one file ----

  static List<LockTable.Lock> table(Txn txn, long ino, int kind) {
    byte[] v = txn.get(KeySchema.locks(ino, kind));
    if (v == null) {
      return List.of();
    }
    try {
      return LockList.parseFrom(v).getLocksList().stream().map(LockState::lock).toList();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("unreadable locks of inode " + ino, e);
    }
  }

  /** Stores the table, keeping the sessions' indexes in step with who holds locks in it. */
  static void save(
      Txn txn, long ino, int kind, List<LockTable.Lock> before, List<LockTable.Lock> after) {
    if (after.isEmpty()) {
      txn.delete(KeySchema.locks(ino, kind));
    } else {
      LockList.Builder b = LockList.newBuilder();
      after.forEach(l -> b.addLocks(entry(l)));
      txn.put(KeySchema.locks(ino, kind), b.build().toByteArray());
    }
    Set<Long> was = sessions(before);
    Set<Long> now = sessions(after);
    for (long s : was) {
      if (!now.contains(s)) {
        txn.delete(KeySchema.sessionLocks(s, ino, kind));
      }
    }
    for (long s : now) {
      if (!was.contains(s)) {
        txn.put(KeySchema.sessionLocks(s, ino, kind), new byte[0]);
      }
    }
  }

  private static Set<Long> sessions(List<LockTable.Lock> locks) {
    Set<Long> out = new HashSet<>();
    locks.forEach(l -> out.add(l.owner().session()));
    return out;
  }

  // ---- waiters ----

  /** A file's waiters, oldest first. */
  static LinkedHashMap<Long, LockTable.Lock> waiters(Txn txn, long ino, int kind) {
    LinkedHashMap<Long, LockTable.Lock> out = new LinkedHashMap<>();
    for (Map.Entry<byte[], byte[]> e :
        txn.scan(KeySchema.waitersPrefix(ino, kind), null, WAITERS_PER_FILE_MAX + 1)) {
      try {
        out.put(KeySchema.waiterId(e.getKey()), lock(LockEntry.parseFrom(e.getValue())));
      } catch (InvalidProtocolBufferException ex) {
        throw new IllegalStateException("unreadable waiter of inode " + ino, ex);
      }
    }
    return out;
  }

  static void addWaiter(Txn txn, long ino, int kind, long id, LockTable.Lock l) {
    txn.put(KeySchema.waiter(ino, kind, id), entry(l).toByteArray());
    txn.put(
        KeySchema.sessionWaiter(l.owner().session(), id),
        ByteBuffer.allocate(9).putLong(ino).put((byte) kind).array());
  }

  static void removeWaiter(Txn txn, long ino, int kind, long id, long session) {
    txn.delete(KeySchema.waiter(ino, kind, id));
    txn.delete(KeySchema.sessionWaiter(session, id));
  }

  /**
   * Tries the file's waiters in order against its table; grants every one that fits. Called after
   * any change to the table.
   */
  static void grantWaiters(OpContext ctx, long ino, int kind) {
    Txn txn = ctx.txn();
    List<LockTable.Lock> table = table(txn, ino, kind);
    List<LockTable.Lock> start = table;
    for (Map.Entry<Long, LockTable.Lock> w : waiters(txn, ino, kind).entrySet()) {
      LockTable.Lock want = w.getValue();
      if (kind == FLOCK) {
        table = LockTable.releaseAll(table, want.owner());
      }
      if (LockTable.conflict(table, want).isEmpty()) {
        table = LockTable.apply(table, want);
        removeWaiter(txn, ino, kind, w.getKey(), want.owner().session());
        ctx.effects().add(new Effects.Granted(want.owner().session(), ino, w.getKey()));
      }
    }
    if (!table.equals(start)) {
      save(txn, ino, kind, start, table);
    }
  }

  // ---- deadlocks ----

  /**
   * Whether {@code want}, blocked by the locks that conflict with it, would close a cycle of
   * waiters: some blocking owner waits (through others) for a lock of want's owner (POSIX only, as
   * Linux checks). The search is bounded; past its bound the request waits.
   */
  static boolean wouldDeadlock(Txn txn, long ino, LockTable.Lock want) {
    Set<LockTable.Owner> seen = new HashSet<>();
    List<LockTable.Owner> frontier = new ArrayList<>(blockers(table(txn, ino, POSIX), want));
    while (!frontier.isEmpty() && seen.size() < DEADLOCK_SEARCH_MAX) {
      LockTable.Owner o = frontier.remove(frontier.size() - 1);
      if (o.equals(want.owner())) {
        return true;
      }
      if (!seen.add(o)) {
        continue;
      }
      for (Map.Entry<byte[], byte[]> e :
          txn.scan(KeySchema.sessionWaitersPrefix(o.session()), null, WAITERS_PER_FILE_MAX)) {
        ByteBuffer v = ByteBuffer.wrap(e.getValue());
        long wino = v.getLong();
        int wkind = v.get();
        if (wkind != POSIX) {
          continue;
        }
        LockTable.Lock w = waiters(txn, wino, wkind).get(KeySchema.u64At9(e.getKey()));
        if (w != null && w.owner().equals(o)) {
          frontier.addAll(blockers(table(txn, wino, wkind), w));
        }
      }
    }
    return false;
  }

  private static List<LockTable.Owner> blockers(List<LockTable.Lock> table, LockTable.Lock want) {
    List<LockTable.Owner> out = new ArrayList<>();
    for (LockTable.Lock h : table) {
      if (!h.owner().equals(want.owner()) && LockTable.conflict(List.of(h), want).isPresent()) {
        out.add(h.owner());
      }
    }
    return out;
  }

  // ---- leases ----

  /** The session holding the file's lease, or 0. */
  static long leaseHolder(Txn txn, long ino) {
    byte[] v = txn.get(KeySchema.lease(ino));
    return v == null ? 0 : ByteBuffer.wrap(v).getLong();
  }

  static void grantLease(Txn txn, long ino, long session) {
    txn.put(KeySchema.lease(ino), ByteBuffer.allocate(8).putLong(session).array());
    txn.put(KeySchema.sessionLease(session, ino), new byte[0]);
  }

  static void dropLease(Txn txn, long ino, long session) {
    txn.delete(KeySchema.lease(ino));
    txn.delete(KeySchema.sessionLease(session, ino));
  }

  /** Whether anyone but {@code session} holds or waits for a lock of the file. */
  static boolean othersUse(Txn txn, long ino, long session) {
    for (int kind : new int[] {POSIX, FLOCK}) {
      for (LockTable.Lock l : table(txn, ino, kind)) {
        if (l.owner().session() != session) {
          return true;
        }
      }
      for (LockTable.Lock w : waiters(txn, ino, kind).values()) {
        if (w.owner().session() != session) {
          return true;
        }
      }
    }
    return false;
  }

  // ---- a session's end ----

  /** Everything the session held goes; the waiters its locks blocked may be granted. */
  static void dropSession(OpContext ctx, long session) {
    Txn txn = ctx.txn();
    for (Map.Entry<byte[], byte[]> e :
        txn.scan(KeySchema.sessionWaitersPrefix(session), null, Integer.MAX_VALUE)) {
      ByteBuffer v = ByteBuffer.wrap(e.getValue());
      long ino = v.getLong();
      int kind = v.get();
      removeWaiter(txn, ino, kind, KeySchema.u64At9(e.getKey()), session);
    }
    for (Map.Entry<byte[], byte[]> e :
        txn.scan(KeySchema.sessionLeasesPrefix(session), null, Integer.MAX_VALUE)) {
      dropLease(txn, KeySchema.u64At9(e.getKey()), session);
    }
    for (Map.Entry<byte[], byte[]> e :
        txn.scan(KeySchema.sessionLocksPrefix(session), null, Integer.MAX_VALUE)) {
      ByteBuffer k = ByteBuffer.wrap(e.getKey(), 9, 9);
      long ino = k.getLong();
      int kind = k.get();
      List<LockTable.Lock> before = table(txn, ino, kind);
      save(txn, ino, kind, before, LockTable.releaseSession(before, session));
      grantWaiters(ctx, ino, kind);
    }
  }

  /** The first lock that conflicts with {@code want}, if any. */
  static Optional<LockTable.Lock> conflict(Txn txn, long ino, int kind, LockTable.Lock want) {
    List<LockTable.Lock> t = table(txn, ino, kind);
    if (kind == FLOCK) {
      t = LockTable.releaseAll(t, want.owner());
    }
    return LockTable.conflict(t, want);
  }
}
