package io.hearth.rpc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A {@link MonoClock} that moves only when a test says so; delayed tasks run as time passes. */
final class ManualClock implements MonoClock {
  private record Task(long atNanos, long seq, Runnable run) {}

  private long nowNanos = 1_000_000_000L;
  private long seq;
  private final List<Task> tasks = new ArrayList<>();

  @Override
  public synchronized long nanos() {
    return nowNanos;
  }

  @Override
  public synchronized void after(long delayMs, Runnable task) {
    tasks.add(new Task(nowNanos + delayMs * 1_000_000, seq++, task));
  }

  /** Moves time on by {@code ms}, running every task that falls due, in time order. */
  void advance(long ms) {
    long until;
    synchronized (this) {
      until = nowNanos + ms * 1_000_000;
    }
    while (true) {
      Task next;
      synchronized (this) {
        next =
            tasks.stream()
                .filter(t -> t.atNanos() <= until)
                .min(Comparator.comparingLong(Task::atNanos).thenComparingLong(Task::seq))
                .orElse(null);
        if (next == null) {
          nowNanos = until;
          return;
        }
        tasks.remove(next);
        nowNanos = Math.max(nowNanos, next.atNanos());
      }
      next.run().run();
    }
  }

  synchronized int pending() {
    return tasks.size();
  }
}
