package io.hearth.client.meta;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Retries a call whose failure is transient, with exponential backoff from {@link
 * #BACKOFF_START_MS} to {@link #BACKOFF_MAX_MS}, until a deadline; then the last failure stands.
 *
 * <p>An idempotent call may also be given an attempt timeout: an attempt with no answer by then is
 * abandoned and the call sent again, each time with twice the timeout (up to {@link
 * #ATTEMPT_TIMEOUT_MAX_MS}), so a slow but healthy cluster still answers. This is for reads that a
 * follower holds while it asks a leader that just died for a read index: Ratis's client fails such
 * a read only after its request timeout, and then closes its channel to that follower gracefully,
 * on the thread that would retry, which takes as long again.
 */
final class ReadRetry {
  static final long BACKOFF_START_MS = 10;
  static final long BACKOFF_MAX_MS = 500;
  static final long ATTEMPT_TIMEOUT_MAX_MS = 8_000;

  /** No attempt timeout: for calls that must not be sent twice while one may still be applied. */
  static final long NO_ATTEMPT_TIMEOUT = 0;

  private ReadRetry() {}

  static <T> CompletableFuture<T> run(
      Supplier<CompletableFuture<T>> call, Predicate<HearthException> retriable, long deadlineMs) {
    return run(call, retriable, deadlineMs, NO_ATTEMPT_TIMEOUT);
  }

  /**
   * @param attemptTimeoutMs the first attempt's timeout ({@link #NO_ATTEMPT_TIMEOUT} for none): an
   *     attempt not answered by then counts as a retriable failure; only for idempotent calls
   */
  static <T> CompletableFuture<T> run(
      Supplier<CompletableFuture<T>> call,
      Predicate<HearthException> retriable,
      long deadlineMs,
      long attemptTimeoutMs) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Attempts<T> a =
        new Attempts<>(call, retriable, System.nanoTime() + deadlineMs * 1_000_000, result);
    a.next(BACKOFF_START_MS, attemptTimeoutMs);
    return result;
  }

  private record Attempts<T>(
      Supplier<CompletableFuture<T>> call,
      Predicate<HearthException> retriable,
      long deadlineNanos,
      CompletableFuture<T> result) {

    void next(long backoffMs, long timeoutMs) {
      CompletableFuture<T> f = call.get();
      if (timeoutMs > 0) {
        f = f.orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
      }
      f.whenComplete(
          (v, t) -> {
            if (t == null) {
              result.complete(v);
              return;
            }
            Throwable c =
                t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            boolean timedOut = c instanceof TimeoutException && timeoutMs > 0;
            boolean again =
                (timedOut || c instanceof HearthException h && retriable.test(h))
                    && System.nanoTime() + backoffMs * 1_000_000 < deadlineNanos;
            if (!again) {
              result.completeExceptionally(
                  timedOut
                      ? new HearthException(
                          Errno.ETIMEDOUT,
                          "no answer within " + timeoutMs + " ms, the last of several attempts")
                      : c);
              return;
            }
            long nextTimeoutMs =
                timedOut ? Math.min(timeoutMs * 2, ATTEMPT_TIMEOUT_MAX_MS) : timeoutMs;
            Executor later = CompletableFuture.delayedExecutor(backoffMs, TimeUnit.MILLISECONDS);
            later.execute(() -> next(Math.min(backoffMs * 2, BACKOFF_MAX_MS), nextTimeoutMs));
          });
    }
  }
}
