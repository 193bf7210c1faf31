package io.hearth.client;

import io.hearth.client.locks.LocalLocks;
import io.hearth.client.locks.Locks;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.posix.LockTable;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The locks API of the client, as a FUSE bridge serves them (fcntl F_GETLK/F_SETLK/F_SETLKW, OFD
 * locks, flock): {@link HearthClient#locks} for cluster-wide ones, {@link #local} for one node's.
 * The rules are Linux's; see {@link Locks} for each call's contract.
 */
public final class FileLocks {
  private final Locks locks;

  FileLocks(Locks locks) {
    this.locks = locks;
  }

  /** Locks kept by this client only: between the processes of one node. */
  public static FileLocks local() {
    return new FileLocks(new LocalLocks());
  }

  /** F_GETLK: the first lock that keeps {@code want} from being granted, if any. */
  public Optional<LockTable.Lock> test(long ino, LockTable.Lock want) throws HearthException {
    return locks.test(ino, want);
  }

  /** F_SETLK, F_SETLKW ({@code wait}), or F_UNLCK. */
  public void lock(long ino, LockTable.Lock want, boolean wait, BooleanSupplier interrupted)
      throws HearthException {
    locks.lock(ino, want, wait, interrupted);
  }

  /** Every POSIX lock of {@code owner} on the file goes (a close of any of its descriptors). */
  public void releaseAll(long ino, LockTable.Owner owner) {
    locks.releaseAll(ino, owner);
  }

  /** flock(2) on the whole file by the open file description {@code owner}. */
  public void flock(
      long ino,
      LockTable.Owner owner,
      LockTable.Type type,
      int pid,
      boolean wait,
      BooleanSupplier interrupted)
      throws HearthException {
    locks.flock(ino, owner, type, pid, wait, interrupted);
  }

  /** The open file description {@code owner} was released: its flock lock goes. */
  public void releaseFlock(long ino, LockTable.Owner owner) {
    locks.releaseFlock(ino, owner);
  }
}
