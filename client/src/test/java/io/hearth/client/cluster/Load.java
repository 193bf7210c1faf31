package io.hearth.client.cluster;

import io.hearth.client.DirEntry;
import io.hearth.client.HearthClient;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Bounded ways to put entries into a cluster and read them back, shared by the cluster tests. */
final class Load {
  /** Most requests one {@link #createFiles} keeps in flight. */
  static final int WINDOW = 32;

  private Load() {}

  /**
   * Waits at most {@code timeout} for an operation; its failure becomes the errno it carries, and a
   * client that does not answer in time becomes ETIMEDOUT here rather than a hung test.
   */
  static <T> T bounded(CompletableFuture<T> f, Duration timeout) throws HearthException {
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new HearthException(Errno.ETIMEDOUT, "no answer within " + timeout + " (test bound)");
    } catch (ExecutionException e) {
      return HearthClient.join(CompletableFuture.failedFuture(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HearthException(Errno.EIO, "interrupted");
    }
  }

  /**
   * mkdir {@code dir}, then creates {@code count} empty files f0..f(count-1) in it, pipelined
   * {@link #WINDOW} at a time; every one must succeed before {@code timeout}. Returns their names.
   */
  static List<String> createFiles(HearthClient h, String dir, int count, Duration timeout)
      throws Exception {
    return createFiles(h, dir, count, timeout, WINDOW);
  }

  /**
   * As above with at most {@code window} creates in flight. The client batches concurrent calls
   * into one log entry, so a test that needs one entry per create (to fill the log) passes 1.
   */
  static List<String> createFiles(
      HearthClient h, String dir, int count, Duration timeout, int window) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    bounded(h.mkdirAsync(dir, 0755), timeout);
    List<String> names = new ArrayList<>();
    List<CompletableFuture<?>> inFlight = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = "f" + i;
      names.add(name);
      inFlight.add(h.createAsync(dir + "/" + name, 0644));
      if (inFlight.size() >= window || i == count - 1) {
        for (CompletableFuture<?> f : inFlight) {
          bounded(f, Duration.between(Instant.now(), deadline));
        }
        inFlight.clear();
      }
    }
    return names;
  }

  /** The names in a directory, sorted. */
  static Set<String> names(HearthClient h, String dir) throws HearthException {
    Set<String> out = new TreeSet<>();
    for (DirEntry e : h.list(dir, false)) {
      out.add(e.name());
    }
    return out;
  }
}
