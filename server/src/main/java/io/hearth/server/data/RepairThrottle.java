package io.hearth.server.data;

import java.time.Clock;

/**
 * The bandwidth that block repair may take on one server, shared by the repairers of all its data
 * groups: a token bucket filled at {@code rateBytesPerSec} (0 = unlimited), holding at most one
 * second of bytes so that a throttle left idle lets no more than that through at once.
 *
 * <p>A copy asks for its bytes before it fetches them ({@link #acquire}), so a copy that must wait
 * costs the network nothing. The bucket may go into debt: a caller is let through as soon as the
 * bucket is not in debt and then takes all it asked for, so a block larger than the bucket still
 * passes, and the next callers wait the debt off. Over any interval of t seconds the bytes let
 * through are therefore at most {@code rate * (t + 1)} plus one request. A caller that asked for
 * more than it used (a block smaller than it reserved, a peer that did not answer) gives the rest
 * back with {@link #release}.
 *
 * <p>Threads: any; the bucket's state is guarded by this object's lock, and waiting happens outside
 * it, in slices of at most {@link #WAIT_SLICE_MS}, so that a rate changed at run time ({@link
 * #setRateBytesPerSec}) applies to those already waiting within a slice. Time comes from the
 * injected clock and waiting from the injected sleeper, so tests can step both.
 */
public final class RepairThrottle {
  /** How much an idle bucket saves up: one second of the rate. */
  static final long BURST_MS = 1_000;

  /** Longest single sleep of a waiting caller: how soon it notices a new rate. */
  static final long WAIT_SLICE_MS = 100;

  /** Sleeps for a number of milliseconds; injected so that tests can step a fake clock instead. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(long ms) throws InterruptedException;
  }

  private final Clock clock;
  private final Sleeper sleeper;
  private long rateBytesPerSec;
  private double tokens;
  private long refilledMs;

  /** An unlimited throttle on the real clock. */
  public RepairThrottle(Clock clock) {
    this(clock, Thread::sleep);
  }

  public RepairThrottle(Clock clock, Sleeper sleeper) {
    this.clock = clock;
    this.sleeper = sleeper;
    this.refilledMs = clock.millis();
  }

  /**
   * Sets the rate; 0 lifts the limit. Bytes already taken stay taken (a debt is still waited off),
   * and a bucket coming out of "unlimited" starts full.
   *
   * @throws IllegalArgumentException if the rate is negative
   */
  public synchronized void setRateBytesPerSec(long rateBytesPerSec) {
    if (rateBytesPerSec < 0) {
      throw new IllegalArgumentException("repair rate of " + rateBytesPerSec + " bytes/s");
    }
    refill();
    boolean wasUnlimited = this.rateBytesPerSec == 0;
    this.rateBytesPerSec = rateBytesPerSec;
    tokens = wasUnlimited ? capacity() : Math.min(tokens, capacity());
  }

  public synchronized long rateBytesPerSec() {
    return rateBytesPerSec;
  }

  /**
   * Takes {@code bytes} as soon as the bucket is not in debt, waiting at most {@code maxWaitMs}.
   *
   * @return true when taken (at once if unlimited); false when the wait ran out first, in which
   *     case nothing was taken
   */
  public boolean acquire(long bytes, long maxWaitMs) throws InterruptedException {
    if (bytes < 0 || maxWaitMs < 0) {
      throw new IllegalArgumentException("acquire of " + bytes + " bytes within " + maxWaitMs);
    }
    long deadlineMs = clock.millis() + maxWaitMs;
    while (true) {
      long waitMs = tryAcquire(bytes);
      if (waitMs == 0) {
        return true;
      }
      long leftMs = deadlineMs - clock.millis();
      if (leftMs <= 0) {
        return false;
      }
      sleeper.sleep(Math.min(Math.min(waitMs, WAIT_SLICE_MS), leftMs));
    }
  }

  /** Gives back bytes taken but not used; the bucket never holds more than its burst. */
  public synchronized void release(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("release of " + bytes + " bytes");
    }
    if (rateBytesPerSec == 0) {
      return;
    }
    refill();
    tokens = Math.min(capacity(), tokens + bytes);
  }

  /** Takes the bytes if the bucket is not in debt and returns 0, else the wait until it is, > 0. */
  private synchronized long tryAcquire(long bytes) {
    if (rateBytesPerSec == 0) {
      return 0;
    }
    refill();
    if (tokens >= 0) {
      tokens -= bytes;
      return 0;
    }
    return Math.max(1, (long) Math.ceil(-tokens * 1000 / rateBytesPerSec));
  }

  /** Adds what the rate earned since the last refill. */
  private void refill() {
    long now = clock.millis();
    long elapsedMs = Math.max(0, now - refilledMs);
    refilledMs = now;
    if (rateBytesPerSec > 0) {
      tokens = Math.min(capacity(), tokens + (double) rateBytesPerSec * elapsedMs / 1000);
    }
  }

  private double capacity() {
    return (double) rateBytesPerSec * BURST_MS / 1000;
  }
}
