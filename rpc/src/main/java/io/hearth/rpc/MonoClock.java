package io.hearth.rpc;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Monotonic time and delayed work, injected wherever a deadline, a timeout or a retry is computed,
 * so that tests can step time instead of sleeping. {@link #SYSTEM} is {@link System#nanoTime} and
 * {@link CompletableFuture#delayedExecutor}.
 */
public interface MonoClock {
  /** Nanoseconds from an arbitrary origin; only differences mean something. */
  long nanos();

  /** Runs {@code task} once, about {@code delayMs} from now, on some other thread. */
  void after(long delayMs, Runnable task);

  default long millis() {
    return nanos() / 1_000_000;
  }

  MonoClock SYSTEM =
      new MonoClock() {
        @Override
        public long nanos() {
          return System.nanoTime();
        }

        @Override
        public void after(long delayMs, Runnable task) {
          CompletableFuture.delayedExecutor(Math.max(0, delayMs), TimeUnit.MILLISECONDS)
              .execute(task);
        }
      };
}
