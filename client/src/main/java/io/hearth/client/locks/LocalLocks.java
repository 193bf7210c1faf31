package io.hearth.client.locks;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.posix.LockTable;
import io.hearth.protocol.posix.LockTable.Lock;
import io.hearth.protocol.posix.LockTable.Owner;
import io.hearth.protocol.posix.LockTable.Type;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The locks of one node's processes, kept in this client as the kernel would keep them: POSIX
 * record locks and flock locks per inode, each a {@link LockTable}.
 *
 * <p>Waits: a blocked request waits on this object's monitor, woken by every release, and checks
 * its caller's interruption every {@link #INTERRUPT_POLL_MS}; a request that would wait on an owner
 * that (through others) waits on it gets EDEADLK instead (POSIX locks; Linux's check). At most
 * {@link #WAITERS_MAX} requests wait at once (ENOLCK beyond).
 *
 * <p>Thread-safe: one monitor for the whole table (lock calls are rare next to reads and writes).
 */
public final class LocalLocks implements Locks {
  static final long INTERRUPT_POLL_MS = 50;
  static final int WAITERS_MAX = 4096;

  private record Key(long ino, boolean flock) {}

  private final Map<Key, List<Lock>> tables = new HashMap<>();

  /** Owner -> the lock it waits behind (POSIX only): the wait-for graph of deadlock detection. */
  private final Map<Owner, Lock> waitingOn = new HashMap<>();

  private int waiters;

  @Override
  public synchronized Optional<Lock> test(long ino, Lock want) {
    return LockTable.conflict(table(ino, false), want);
  }

  @Override
  public void lock(long ino, Lock want, boolean wait, BooleanSupplier interrupted)
      throws HearthException {
    acquire(new Key(ino, false), want, wait, interrupted);
  }

  @Override
  public synchronized void releaseAll(long ino, Owner owner) {
    Key k = new Key(ino, false);
    put(k, LockTable.releaseAll(table(k), owner));
    notifyAll();
  }

  @Override
  public void flock(
      long ino, Owner owner, Type type, int pid, boolean wait, BooleanSupplier interrupted)
      throws HearthException {
    Key k = new Key(ino, true);
    synchronized (this) {
      put(k, LockTable.releaseAll(table(k), owner)); // a conversion releases first, as Linux's
      notifyAll();
    }
    if (type != Type.UNLOCK) {
      acquire(k, new Lock(owner, type, 0, LockTable.TO_EOF, pid), wait, interrupted);
    }
  }

  @Override
  public synchronized void releaseFlock(long ino, Owner owner) {
    Key k = new Key(ino, true);
    put(k, LockTable.releaseAll(table(k), owner));
    notifyAll();
  }

  private synchronized void acquire(Key k, Lock want, boolean wait, BooleanSupplier interrupted)
      throws HearthException {
    while (true) {
      Optional<Lock> c = LockTable.conflict(table(k), want);
      if (c.isEmpty()) {
        put(k, LockTable.apply(table(k), want));
        notifyAll();
        return;
      }
      if (!wait) {
        throw new HearthException(Errno.EAGAIN, "held by pid " + c.get().pid());
      }
      if (!k.flock() && closesCycle(want.owner(), c.get().owner())) {
        throw new HearthException(Errno.EDEADLK, "waiting would deadlock");
      }
      if (waiters >= WAITERS_MAX) {
        throw new HearthException(Errno.ENOLCK, WAITERS_MAX + " lock requests already wait");
      }
      waiters++;
      if (!k.flock()) {
        waitingOn.put(want.owner(), c.get());
      }
      try {
        wait(INTERRUPT_POLL_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new HearthException(Errno.EINTR, "interrupted");
      } finally {
        waiters--;
        waitingOn.remove(want.owner());
      }
      if (interrupted.getAsBoolean()) {
        throw new HearthException(Errno.EINTR, "interrupted while waiting for a lock");
      }
    }
  }

  /** Whether {@code holder} waits, directly or through others, on a lock of {@code waiter}. */
  private boolean closesCycle(Owner waiter, Owner holder) {
    Owner o = holder;
    for (int hops = 0; hops <= waitingOn.size(); hops++) {
      if (o.equals(waiter)) {
        return true;
      }
      Lock next = waitingOn.get(o);
      if (next == null) {
        return false;
      }
      o = next.owner();
    }
    return false;
  }

  private List<Lock> table(long ino, boolean flock) {
    return table(new Key(ino, flock));
  }

  private List<Lock> table(Key k) {
    return tables.getOrDefault(k, List.of());
  }

  private void put(Key k, List<Lock> locks) {
    if (locks.isEmpty()) {
      tables.remove(k);
    } else {
      tables.put(k, locks);
    }
  }
}
