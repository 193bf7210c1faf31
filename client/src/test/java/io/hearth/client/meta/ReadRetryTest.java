package io.hearth.client.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The retry loop under reads and writes of the meta client: what it sends again, and when. */
class ReadRetryTest {

  @Test
  void anUnansweredReadIsSentAgainWithALongerTimeout() throws Exception {
    List<CompletableFuture<String>> sent = new ArrayList<>();
    CompletableFuture<String> r =
        ReadRetry.run(
            () -> {
              synchronized (sent) {
                CompletableFuture<String> f = new CompletableFuture<>();
                sent.add(f);
                if (sent.size() == 3) {
                  f.complete("answer"); // the third attempt reaches a leader
                }
                return f;
              }
            },
            e -> false,
            30_000,
            50);
    assertEquals("answer", r.get(10, TimeUnit.SECONDS));
    assertEquals(3, sent.size(), "two attempts held (50 ms, then 100 ms), the third answered");
  }

  @Test
  void aCallWithoutAttemptTimeoutIsNeverSentTwiceForWaiting() throws Exception {
    List<CompletableFuture<String>> sent = new ArrayList<>();
    CompletableFuture<String> first = new CompletableFuture<>();
    CompletableFuture<String> r =
        ReadRetry.run(
            () -> {
              synchronized (sent) {
                sent.add(first);
                return first;
              }
            },
            e -> true,
            30_000);
    Thread.sleep(300);
    assertEquals(1, sent.size(), "a write is not sent again while it may still apply");
    first.complete("late");
    assertEquals("late", r.get(10, TimeUnit.SECONDS));
  }

  @Test
  void aFailureNotRetriableStandsAtOnce() {
    CompletableFuture<String> r =
        ReadRetry.run(
            () -> CompletableFuture.failedFuture(new HearthException(Errno.ENOENT, "no such")),
            e -> e.errno() == Errno.EHOSTUNREACH,
            30_000,
            1000);
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> r.get(10, TimeUnit.SECONDS));
    HearthException h = assertInstanceOf(HearthException.class, e.getCause());
    assertEquals(Errno.ENOENT, h.errno());
  }

  @Test
  void theDeadlineBoundsTheAttempts() {
    long startNs = System.nanoTime();
    CompletableFuture<String> r = ReadRetry.run(CompletableFuture::new, e -> true, 300, 50);
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> r.get(10, TimeUnit.SECONDS));
    HearthException h = assertInstanceOf(HearthException.class, e.getCause());
    assertEquals(Errno.ETIMEDOUT, h.errno());
    assertTrue(System.nanoTime() - startNs < TimeUnit.SECONDS.toNanos(10), "gave up");
  }
}
