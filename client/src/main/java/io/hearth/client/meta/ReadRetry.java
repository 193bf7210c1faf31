package io.hearth.client.meta;

import io.hearth.protocol.HearthException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Retries an idempotent call whose failure is transient, with exponential backoff from {@link
 * #BACKOFF_START_MS} to {@link #BACKOFF_MAX_MS}, until a deadline; then the last failure stands.
 */
final class ReadRetry {
  static final long BACKOFF_START_MS = 10;
  static final long BACKOFF_MAX_MS = 500;

  private ReadRetry() {}

  static <T> CompletableFuture<T> run(
      Supplier<CompletableFuture<T>> call, Predicate<HearthException> retriable, long deadlineMs) {
    CompletableFuture<T> result = new CompletableFuture<>();
    attempt(call, retriable, System.nanoTime() + deadlineMs * 1_000_000, BACKOFF_START_MS, result);
    return result;
  }

  private static <T> void attempt(
      Supplier<CompletableFuture<T>> call,
      Predicate<HearthException> retriable,
      long deadlineNanos,
      long backoffMs,
      CompletableFuture<T> result) {
    call.get()
        .whenComplete(
            (v, t) -> {
              if (t == null) {
                result.complete(v);
                return;
              }
              Throwable c =
                  t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
              boolean again =
                  c instanceof HearthException h
                      && retriable.test(h)
                      && System.nanoTime() + backoffMs * 1_000_000 < deadlineNanos;
              if (!again) {
                result.completeExceptionally(c);
                return;
              }
              Executor later = CompletableFuture.delayedExecutor(backoffMs, TimeUnit.MILLISECONDS);
              later.execute(
                  () ->
                      attempt(
                          call,
                          retriable,
                          deadlineNanos,
                          Math.min(backoffMs * 2, BACKOFF_MAX_MS),
                          result));
            });
  }
}
