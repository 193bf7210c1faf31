package io.hearth.rpc;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.TimeDuration;

/**
 * Ratis's retry of a failed attempt, with Hearth's {@link Backoff}: up to {@code attemptsMax}
 * attempts in all, each wait drawn with jitter. Ratis sends every retry with the same call id.
 */
public record JitteredRetryPolicy(
    Backoff backoff, int attemptsMax, Supplier<RandomGenerator> random) implements RetryPolicy {

  @Override
  public Action handleAttemptFailure(Event event) {
    int attempts = event.getAttemptCount();
    if (attempts >= attemptsMax) {
      return NO_RETRY_ACTION;
    }
    long ms = backoff.delayMs(Math.max(0, attempts - 1), random.get());
    return () -> TimeDuration.valueOf(ms, TimeUnit.MILLISECONDS);
  }

  @Override
  public String toString() {
    return "JitteredRetryPolicy(" + backoff + ", attempts " + attemptsMax + ")";
  }
}
