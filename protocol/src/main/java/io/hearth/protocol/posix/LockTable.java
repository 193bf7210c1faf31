package io.hearth.protocol.posix;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * POSIX record locks of one file, as Linux keeps them (fs/locks.c posix_lock_inode), as pure
 * functions over an immutable list: who holds which byte range for reading or writing. A client
 * keeps such a table per node (one mount's processes), and the namespace keeps one per file for the
 * whole cluster: both with these functions.
 *
 * <p>Rules: a lock is held by an owner (the kernel's lock owner: a process's files table for
 * classic locks, an open file description for OFD locks and flock); two locks conflict when their
 * owners differ, their ranges overlap and either is a write lock. Setting a lock replaces the
 * owner's locks in its range (an upgrade, a downgrade, an unlock of part of a range splits the
 * owner's lock in two); the owner's locks of one type that overlap or touch merge into one. Ranges
 * are [start, end) in bytes, {@link #TO_EOF} for "to the end of the file, however long".
 *
 * <p>flock locks live in their own table (Linux keeps them apart): whole-file ranges.
 */
public final class LockTable {
  /** The end of a range that covers everything from its start on (a lock of length 0). */
  public static final long TO_EOF = Long.MAX_VALUE;

  public enum Type {
    READ,
    WRITE,
    UNLOCK
  }

  /**
   * One lock, or a request for one ({@link Type#UNLOCK} to release).
   *
   * @param owner the kernel's lock owner id, with the session it belongs to
   * @param pid the holding process as its own node sees it (F_GETLK reports it)
   */
  public record Lock(Owner owner, Type type, long start, long end, int pid) {
    public Lock {
      if (start < 0 || end <= start) {
        throw new IllegalArgumentException("lock range [" + start + ", " + end + ")");
      }
    }

    boolean overlaps(long s, long e) {
      return start < e && s < end;
    }

    boolean conflictsWith(Lock o) {
      return !owner.equals(o.owner)
          && overlaps(o.start, o.end)
          && (type == Type.WRITE || o.type == Type.WRITE);
    }

    Lock range(long s, long e) {
      return new Lock(owner, type, s, e, pid);
    }
  }

  /** A lock owner: the session (a node's client; 0 for a node's own table) and the kernel's id. */
  public record Owner(long session, long id) {}

  private LockTable() {}

  /** The first lock (lowest start) that keeps {@code want} from being granted, if any. */
  public static Optional<Lock> conflict(List<Lock> held, Lock want) {
    if (want.type() == Type.UNLOCK) {
      return Optional.empty();
    }
    return held.stream()
        .filter(h -> h.conflictsWith(want))
        .min(Comparator.comparingLong(Lock::start));
  }

  /**
   * The table after {@code req} is granted (or, for UNLOCK, applied); the caller checked {@link
   * #conflict} first. The result is canonical: sorted by owner then start, no two locks of one
   * owner overlap, and none of one owner and type touch.
   */
  public static List<Lock> apply(List<Lock> held, Lock req) {
    List<Lock> out = new ArrayList<>(held.size() + 2);
    List<Lock> mine = new ArrayList<>();
    for (Lock h : held) {
      if (!h.owner().equals(req.owner())) {
        out.add(h);
        continue;
      }
      // the owner's lock minus the request's range: up to two pieces remain
      if (!h.overlaps(req.start(), req.end())) {
        mine.add(h);
        continue;
      }
      if (h.start() < req.start()) {
        mine.add(h.range(h.start(), req.start()));
      }
      if (h.end() > req.end()) {
        mine.add(h.range(req.end(), h.end()));
      }
    }
    if (req.type() != Type.UNLOCK) {
      mine.add(req);
    }
    out.addAll(merge(mine));
    out.sort(ORDER);
    return List.copyOf(out);
  }

  /** Every lock of {@code owner} goes (a close of any of its descriptors, a session's end). */
  public static List<Lock> releaseAll(List<Lock> held, Owner owner) {
    return held.stream().filter(h -> !h.owner().equals(owner)).toList();
  }

  /** Every lock of a session goes (it expired or was evicted). */
  public static List<Lock> releaseSession(List<Lock> held, long session) {
    return held.stream().filter(h -> h.owner().session() != session).toList();
  }

  /** The locks of {@code owner}, in order. */
  public static List<Lock> of(List<Lock> held, Owner owner) {
    return held.stream().filter(h -> h.owner().equals(owner)).toList();
  }

  private static final Comparator<Lock> ORDER =
      Comparator.comparingLong((Lock l) -> l.owner().session())
          .thenComparingLong(l -> l.owner().id())
          .thenComparingLong(Lock::start);

  /** One owner's non-overlapping locks, with same-type neighbours that touch merged. */
  private static List<Lock> merge(List<Lock> mine) {
    mine.sort(Comparator.comparingLong(Lock::start));
    List<Lock> out = new ArrayList<>(mine.size());
    for (Lock l : mine) {
      Lock last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && last.type() == l.type() && last.end() >= l.start()) {
        // the new lock's pid wins over the merged range, as Linux keeps the requester's
        out.set(
            out.size() - 1,
            new Lock(l.owner(), l.type(), last.start(), Math.max(last.end(), l.end()), l.pid()));
      } else {
        out.add(l);
      }
    }
    return out;
  }
}
