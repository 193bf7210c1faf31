package io.hearth.server.loop;

import io.hearth.rpc.MonoClock;
import java.util.PriorityQueue;

/**
 * A {@link MonoClock} that stands still until a test moves it; a delayed task runs on the test's
 * thread when {@link #advance} passes its time, in time order (ties in the order they were asked).
 */
public final class ManualMonoClock implements MonoClock {
  private record Due(long atNanos, long seq, Runnable task) {}

  private final PriorityQueue<Due> due =
      new PriorityQueue<>(
          (a, b) ->
              a.atNanos() != b.atNanos()
                  ? Long.compare(a.atNanos(), b.atNanos())
                  : Long.compare(a.seq(), b.seq()));
  private long nowNanos = 5_000_000_000L;
  private long seq;

  @Override
  public synchronized long nanos() {
    return nowNanos;
  }

  @Override
  public synchronized void after(long delayMs, Runnable task) {
    due.add(new Due(nowNanos + Math.max(0, delayMs) * 1_000_000, seq++, task));
  }

  /** Moves time on by {@code ms}, running each task that falls due at its own time. */
  public void advance(long ms) {
    long until;
    synchronized (this) {
      until = nowNanos + ms * 1_000_000;
    }
    while (true) {
      Due next;
      synchronized (this) {
        next = due.peek();
        if (next == null || next.atNanos() > until) {
          nowNanos = until;
          return;
        }
        due.poll();
        nowNanos = next.atNanos();
      }
      next.task().run();
    }
  }

  /** Tasks waiting for their time. */
  public synchronized int pending() {
    return due.size();
  }
}
