package io.hearth.rpc;

import java.util.random.RandomGenerator;

/**
 * Exponential backoff with jitter: attempt {@code n} (from 0) waits a time drawn uniformly from
 * [d/2, d], where d = min(maxMs, startMs * 2^n). The jitter keeps clients that failed together (a
 * leader died under all of them) from retrying in lockstep; the lower half-bound keeps the backoff
 * a backoff. Pure: the random source is the caller's.
 */
public record Backoff(long startMs, long maxMs) {
  public Backoff {
    if (startMs <= 0 || maxMs < startMs) {
      throw new IllegalArgumentException("backoff " + startMs + ".." + maxMs + " ms");
    }
  }

  /** The cap d of attempt {@code attempt}: the longest it may wait. */
  public long capMs(int attempt) {
    int shift = Math.min(Math.max(attempt, 0), 40);
    long d = startMs << shift;
    return d <= 0 || d > maxMs ? maxMs : d;
  }

  /** How long to wait before attempt {@code attempt + 1}, in [capMs/2, capMs]. */
  public long delayMs(int attempt, RandomGenerator random) {
    long cap = capMs(attempt);
    long half = cap / 2;
    return half + random.nextLong(cap - half + 1);
  }
}
