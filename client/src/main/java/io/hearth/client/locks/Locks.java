package io.hearth.client.locks;

import io.hearth.protocol.HearthException;
import io.hearth.protocol.posix.LockTable;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Record locks (fcntl F_GETLK/F_SETLK/F_SETLKW, OFD locks) and flock locks of this client's
 * callers, by inode and lock owner (the kernel's: a process's files table, or an open file
 * description). The rules are Linux's ({@link LockTable}): POSIX and flock locks live apart, a
 * POSIX lock goes when its owner closes any descriptor of the file, a flock lock when its open file
 * description is released.
 *
 * <p>{@link LocalLocks} keeps them in this client (one node): they hold between the processes of
 * one mount, as a kernel keeps them. {@link ClusterLocks} keeps them in the namespace, for every
 * node (sessions and leases).
 */
public interface Locks {
  /** F_GETLK: the first lock that keeps {@code want} from being granted, if any. */
  Optional<LockTable.Lock> test(long ino, LockTable.Lock want) throws HearthException;

  /**
   * F_SETLK ({@code wait} false: EAGAIN on a conflict), F_SETLKW ({@code wait}: until granted,
   * EINTR once {@code interrupted}, EDEADLK when waiting would close a cycle of waiters), or
   * F_UNLCK.
   */
  void lock(long ino, LockTable.Lock want, boolean wait, BooleanSupplier interrupted)
      throws HearthException;

  /** Every POSIX lock of {@code owner} on the file goes (a close of any of its descriptors). */
  void releaseAll(long ino, LockTable.Owner owner);

  /**
   * flock(2): LOCK_SH (READ), LOCK_EX (WRITE) or LOCK_UN (UNLOCK) on the whole file, held by the
   * open file description {@code owner}; EAGAIN with LOCK_NB on a conflict, EINTR once interrupted.
   * A conversion releases first, as Linux's does (it is not atomic).
   */
  void flock(
      long ino,
      LockTable.Owner owner,
      LockTable.Type type,
      int pid,
      boolean wait,
      BooleanSupplier interrupted)
      throws HearthException;

  /** The open file description {@code owner} was released: its flock lock goes. */
  void releaseFlock(long ino, LockTable.Owner owner);
}
