package io.hearth.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The retry loop under reads and writes, on a clock the test moves: what it resends, and when. */
class RetryTest {
  private final ManualClock clock = new ManualClock();
  private final Retry retry = new Retry(clock, new Random(1));
  private final List<CompletableFuture<String>> sent = new ArrayList<>();

  private CompletableFuture<String> send() {
    CompletableFuture<String> f = new CompletableFuture<>();
    sent.add(f);
    return f;
  }

  @Test
  void anUnansweredReadIsSentAgainWithALongerTimeout() {
    Retry.Plan plan = new Retry.Plan("t", new Backoff(10, 10), 30_000, 50, 8_000);
    CompletableFuture<String> r = retry.run(this::send, e -> false, plan);
    assertEquals(1, sent.size());
    clock.advance(49);
    assertEquals(1, sent.size(), "the first attempt has 50 ms");
    clock.advance(1 + 10);
    assertEquals(2, sent.size(), "resent after its timeout and a backoff");
    clock.advance(99);
    assertEquals(2, sent.size(), "the second attempt has 100 ms");
    clock.advance(1 + 10);
    assertEquals(3, sent.size());
    sent.get(2).complete("answer");
    assertEquals("answer", r.join());
    sent.get(0).complete("late");
    assertEquals("answer", r.join(), "an abandoned attempt's answer changes nothing");
  }

  @Test
  void aCallWithoutAttemptTimeoutIsNeverSentTwiceForWaiting() {
    CompletableFuture<String> r =
        retry.run(this::send, e -> true, Retry.Plan.untimed("w", new Backoff(10, 500), 30_000));
    clock.advance(60_000);
    assertEquals(1, sent.size(), "a write is not sent again while it may still apply");
    sent.get(0).complete("late");
    assertEquals("late", r.join());
  }

  @Test
  void aRetriableFailureIsRetriedAfterAJitteredBackoff() {
    Retry.Plan plan = Retry.Plan.untimed("w", new Backoff(100, 100), 30_000);
    CompletableFuture<String> r = retry.run(this::send, e -> e.errno() == Errno.EHOSTUNREACH, plan);
    sent.get(0).completeExceptionally(new HearthException(Errno.EHOSTUNREACH, "down"));
    clock.advance(49);
    assertEquals(1, sent.size(), "waits at least half the cap");
    clock.advance(51);
    assertEquals(2, sent.size(), "and at most the cap");
    sent.get(1).complete("ok");
    assertEquals("ok", r.join());
  }

  @Test
  void aFailureNotRetriableStandsAtOnce() {
    CompletableFuture<String> r =
        retry.run(
            () -> CompletableFuture.failedFuture(new HearthException(Errno.ENOENT, "no such")),
            e -> e.errno() == Errno.EHOSTUNREACH,
            Retry.META_READ);
    assertTrue(r.isCompletedExceptionally());
    assertEquals(Errno.ENOENT, Futures.failureOf(r).errno());
  }

  @Test
  void theDeadlineBoundsTheAttempts() {
    Retry.Plan plan = new Retry.Plan("t", new Backoff(10, 20), 300, 50, 50);
    CompletableFuture<String> r = retry.run(this::send, e -> true, plan);
    for (int i = 0; i < 100 && !r.isDone(); i++) {
      clock.advance(10);
    }
    assertTrue(r.isDone(), "gave up by the deadline");
    assertEquals(Errno.ETIMEDOUT, Futures.failureOf(r).errno());
    assertTrue(sent.size() >= 4 && sent.size() <= 6, sent.size() + " attempts in 300 ms");
    assertFalse(clock.pending() > 1, "nothing left scheduled but the last timeout");
  }
}
