package io.hearth.rpc;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Sends a call again while its failure is transient, waiting a {@link Backoff} with jitter between
 * attempts, until a deadline; then the last failure stands.
 *
 * <p>An idempotent call may also have an attempt timeout: an attempt with no answer by then is
 * abandoned and the call sent again, each time with twice the timeout (up to {@link
 * Plan#attemptTimeoutMaxMs}). This is for reads that a follower holds while it asks a leader that
 * just died for a read index. A call that must not run twice (a write that may be in the log) has
 * none: only failures that prove it did not run ({@code retriable}) send it again.
 *
 * <p>Time and randomness are injected ({@link MonoClock}, {@link RandomGenerator}).
 */
public final class Retry {
  /**
   * What a retried call may spend.
   *
   * @param deadlineMs the whole call's bound, from its first attempt
   * @param attemptTimeoutMs the first attempt's timeout; 0 for none (never resend while waiting)
   * @param attemptTimeoutMaxMs the longest an attempt timeout grows to
   */
  public record Plan(
      String name,
      Backoff backoff,
      long deadlineMs,
      long attemptTimeoutMs,
      long attemptTimeoutMaxMs) {
    public Plan {
      if (deadlineMs <= 0 || attemptTimeoutMs < 0 || attemptTimeoutMaxMs < attemptTimeoutMs) {
        throw new IllegalArgumentException("retry plan " + name);
      }
    }

    /** A plan that never resends an attempt still under way. */
    public static Plan untimed(String name, Backoff backoff, long deadlineMs) {
      return new Plan(name, backoff, deadlineMs, 0, 0);
    }
  }

  /** Reads of the meta group: resent after 1 s without answer (2, 4, up to 8 s), for 30 s. */
  public static final Plan META_READ =
      new Plan("meta-read", new Backoff(10, 500), 30_000, 1_000, 8_000);

  /** Writes the leader refused before logging them: sent again, for 30 s, never while waiting. */
  public static final Plan UNLOGGED_WRITE =
      Plan.untimed("unlogged-write", new Backoff(10, 500), 30_000);

  private final MonoClock clock;
  private final RandomGenerator random;

  public Retry(MonoClock clock, RandomGenerator random) {
    this.clock = clock;
    this.random = random;
  }

  /** On the system clock, with a thread-local random source. */
  public static final Retry SYSTEM = new Retry(MonoClock.SYSTEM, null);

  private RandomGenerator random() {
    return random != null ? random : ThreadLocalRandom.current();
  }

  public <T> CompletableFuture<T> run(
      Supplier<CompletableFuture<T>> call, Predicate<HearthException> retriable, Plan plan) {
    CompletableFuture<T> result = new CompletableFuture<>();
    new Attempts<>(call, retriable, plan, clock.nanos() + plan.deadlineMs() * 1_000_000, result)
        .next(0, plan.attemptTimeoutMs());
    return result;
  }

  private final class Attempts<T> {
    private final Supplier<CompletableFuture<T>> call;
    private final Predicate<HearthException> retriable;
    private final Plan plan;
    private final long deadlineNanos;
    private final CompletableFuture<T> result;

    Attempts(
        Supplier<CompletableFuture<T>> call,
        Predicate<HearthException> retriable,
        Plan plan,
        long deadlineNanos,
        CompletableFuture<T> result) {
      this.call = call;
      this.retriable = retriable;
      this.plan = plan;
      this.deadlineNanos = deadlineNanos;
      this.result = result;
    }

    void next(int attempt, long timeoutMs) {
      CompletableFuture<T> f;
      try {
        f = call.get();
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      AtomicBoolean settled = new AtomicBoolean();
      if (timeoutMs > 0) {
        clock.after(
            timeoutMs,
            () -> {
              if (settled.compareAndSet(false, true)) {
                failed(attempt, timeoutMs, null);
              }
            });
      }
      f.whenComplete(
          (v, t) -> {
            if (!settled.compareAndSet(false, true)) {
              return; // abandoned by its timeout: another attempt is under way
            }
            if (t == null) {
              result.complete(v);
            } else {
              failed(attempt, timeoutMs, ReplyCodec.failure(t));
            }
          });
    }

    /** An attempt failed with {@code e}, or timed out when {@code e} is null. */
    private void failed(int attempt, long timeoutMs, HearthException e) {
      long waitMs = plan.backoff().delayMs(attempt, random());
      boolean again =
          (e == null || retriable.test(e)) && clock.nanos() + waitMs * 1_000_000 < deadlineNanos;
      if (!again) {
        result.completeExceptionally(
            e != null
                ? e
                : new HearthException(
                    Errno.ETIMEDOUT,
                    plan.name()
                        + ": no answer within "
                        + timeoutMs
                        + " ms, the last of "
                        + (attempt + 1)
                        + " attempts"));
        return;
      }
      long nextTimeoutMs =
          e == null ? Math.min(timeoutMs * 2, plan.attemptTimeoutMaxMs()) : timeoutMs;
      clock.after(waitMs, () -> next(attempt + 1, nextTimeoutMs));
    }
  }
}
