package io.hearth.server.meta.ops;

import java.util.ArrayList;
import java.util.List;

/**
 * What an entry's apply tells the meta leader to do beyond the store: wake a session whose lock was
 * granted, recall a lease, forget a session. Collected during apply (on every replica, the same on
 * all), and acted on by the leader alone after the commit (its session hub); a request that fails
 * takes its effects back with its writes ({@link #mark}, {@link #rollback}).
 *
 * <p>Not thread-safe: one entry's apply.
 */
public final class Effects {
  public sealed interface Effect
      permits Granted, Recall, Returned, Opened, SessionOpened, SessionGone {}

  /** Waiter {@code waiter} of {@code session} now holds its lock on {@code ino}. */
  public record Granted(long session, long ino, long waiter) implements Effect {}

  /** {@code session} must hand back its lease on {@code ino}: another session asked for a lock. */
  public record Recall(long session, long ino) implements Effect {}

  /** {@code session} handed its lease on {@code ino} back (or lost it with its end). */
  public record Returned(long session, long ino) implements Effect {}

  /**
   * {@code session} opened {@code ino} (its open number {@code claim}): the leader keeps the file
   * if it becomes an orphan.
   */
  public record Opened(long session, long ino, long claim) implements Effect {}

  public record SessionOpened(long session, int ttlMs) implements Effect {}

  /** The session ended (closed, expired, evicted). */
  public record SessionGone(long session) implements Effect {}

  private final List<Effect> list = new ArrayList<>();

  public void add(Effect e) {
    list.add(e);
  }

  public int mark() {
    return list.size();
  }

  public void rollback(int mark) {
    list.subList(mark, list.size()).clear();
  }

  public List<Effect> all() {
    return List.copyOf(list);
  }
}
