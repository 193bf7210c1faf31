package io.hearth.rpc;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Waiting on futures whose failures are {@link HearthException}s. */
public final class Futures {
  private Futures() {}

  /** Waits for a future, rethrowing its failure as the HearthException it carries. */
  public static <T> T join(CompletableFuture<T> f) throws HearthException {
    try {
      return f.get();
    } catch (ExecutionException | CompletionException e) {
      throw asHearth(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HearthException(Errno.EINTR, "interrupted while waiting for the cluster");
    }
  }

  /** The failure a completed-exceptionally future carries, as a HearthException. */
  public static HearthException failureOf(CompletableFuture<?> f) {
    try {
      join(f);
      return new HearthException(Errno.EIO, "no failure");
    } catch (HearthException e) {
      return e;
    }
  }

  /** The innermost cause of a completion or execution wrapper, as a HearthException. */
  public static HearthException asHearth(Throwable t) {
    Throwable c = unwrap(t);
    if (c instanceof HearthException h) {
      return h;
    }
    return new HearthException(Errno.EIO, String.valueOf(c), c);
  }

  /** {@code t} without the CompletionException/ExecutionException wrappers around it. */
  public static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }
}
