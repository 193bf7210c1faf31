package io.hearth.server.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The token bucket's arithmetic on a stepped clock: a waiting caller's sleep advances the clock by
 * exactly what it asked for, so elapsed time is what the throttle made the callers wait, and bounds
 * on it are exact (no real time passes).
 */
class RepairThrottleTest {
  private static final long MIB = 1 << 20;

  /** A clock that moves only when stepped. */
  static final class SteppedClock extends Clock {
    final AtomicLong ms = new AtomicLong(1_000_000);

    @Override
    public long millis() {
      return ms.get();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(ms.get());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  private final SteppedClock clock = new SteppedClock();
  private final List<Long> sleeps = new ArrayList<>();
  private final RepairThrottle throttle =
      new RepairThrottle(
          clock,
          ms -> {
            synchronized (sleeps) {
              sleeps.add(ms);
            }
            clock.ms.addAndGet(ms);
          });

  @Test
  void unlimitedNeverWaits() throws Exception {
    for (int i = 0; i < 1000; i++) {
      assertTrue(throttle.acquire(4 * MIB, 0));
    }
    assertEquals(List.of(), sleeps);
  }

  @Test
  void bytesThroughFollowTheRate() throws Exception {
    long seed = System.nanoTime();
    System.out.println("RepairThrottleTest seed=" + seed);
    Random rnd = new Random(seed);
    long rate = 4 * MIB;
    throttle.setRateBytesPerSec(rate);
    long start = clock.millis();
    long total = 0;
    long largest = 0;
    while (total < 40 * MIB) {
      long n = 1 + rnd.nextInt((int) (4 * MIB));
      assertTrue(throttle.acquire(n, 60_000));
      total += n;
      largest = Math.max(largest, n);
    }
    long elapsedMs = clock.millis() - start;
    // At most a full bucket (one second) plus the last request beyond what the rate earned ...
    long burst = rate * RepairThrottle.BURST_MS / 1000;
    assertTrue(
        elapsedMs * rate / 1000 >= total - burst - largest,
        total + " bytes in " + elapsedMs + " ms at " + rate + " bytes/s");
    // ... and no caller waited longer than the debt it found.
    assertTrue(elapsedMs * rate / 1000 <= total, elapsedMs + " ms for " + total + " bytes");
    assertTrue(sleeps.stream().allMatch(ms -> ms > 0 && ms <= RepairThrottle.WAIT_SLICE_MS));
  }

  @Test
  void aRequestLargerThanTheBucketPassesAndItsDebtIsWaitedOff() throws Exception {
    throttle.setRateBytesPerSec(MIB); // a bucket of 1 MiB
    long t0 = clock.millis();
    assertTrue(throttle.acquire(4 * MIB, 0)); // full bucket: passes at once, 3 MiB in debt
    assertEquals(t0, clock.millis());
    assertTrue(throttle.acquire(1, 10_000));
    assertEquals(3_000, clock.millis() - t0, "the 3 MiB debt takes 3 s at 1 MiB/s");
  }

  @Test
  void aWaitPastItsBoundTakesNothing() throws Exception {
    throttle.setRateBytesPerSec(MIB);
    assertTrue(throttle.acquire(3 * MIB, 0)); // 2 MiB in debt: 2 s to wait
    long t0 = clock.millis();
    assertFalse(throttle.acquire(MIB, 500));
    assertEquals(500, clock.millis() - t0, "gave up at its bound");
    assertFalse(throttle.acquire(MIB, 0), "still in debt");
    // The failed calls took nothing: the debt is paid off 2 s after it was made.
    assertTrue(throttle.acquire(MIB, 10_000));
    assertEquals(2_000, clock.millis() - t0);
  }

  @Test
  void aNewRateAppliesToThoseAlreadyWaiting() throws Exception {
    RepairThrottle[] t = new RepairThrottle[1];
    // Its first sleep lifts the limit, as another thread would while this caller waits.
    t[0] =
        new RepairThrottle(
            clock,
            ms -> {
              clock.ms.addAndGet(ms);
              t[0].setRateBytesPerSec(0);
            });
    t[0].setRateBytesPerSec(1024); // 1 KiB/s: a 4 MiB debt would take over an hour
    assertTrue(t[0].acquire(4 * MIB, 0));
    long t0 = clock.millis();
    assertTrue(t[0].acquire(MIB, 3_600_000));
    assertEquals(RepairThrottle.WAIT_SLICE_MS, clock.millis() - t0, "one slice, then unlimited");
  }

  @Test
  void releasedBytesGoBackUpToOneBurst() throws Exception {
    throttle.setRateBytesPerSec(MIB); // a bucket of 1 MiB
    assertTrue(throttle.acquire(4 * MIB, 0)); // 3 MiB in debt
    clock.ms.addAndGet(3_000); // debt paid off
    throttle.release(4 * MIB); // the fetch failed: all of it comes back, but the bucket holds 1 MiB
    assertTrue(throttle.acquire(MIB, 0));
    assertTrue(throttle.acquire(1, 0), "an empty bucket is not in debt");
    assertFalse(throttle.acquire(1, 0), "a released surplus beyond one burst was kept");
  }

  @Test
  void concurrentCallersShareTheRate() throws Exception {
    long rate = 8 * MIB;
    throttle.setRateBytesPerSec(rate);
    long start = clock.millis();
    long request = 64 << 10;
    int threads = 4;
    int each = 400;
    List<Thread> ts = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      ts.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int k = 0; k < each; k++) {
                      try {
                        assertTrue(throttle.acquire(request, 600_000));
                      } catch (InterruptedException e) {
                        throw new AssertionError(e);
                      }
                    }
                  }));
    }
    for (Thread t : ts) {
      t.join(60_000);
      assertFalse(t.isAlive());
    }
    long total = request * threads * each;
    long elapsedMs = clock.millis() - start;
    // Every caller's sleep advances the shared clock, so time may run ahead of the need; a lost
    // update of the bucket would instead let bytes through faster than the rate.
    long burst = rate * RepairThrottle.BURST_MS / 1000;
    assertTrue(
        elapsedMs * rate / 1000 >= total - burst - request,
        total + " bytes in " + elapsedMs + " ms at " + rate + " bytes/s");
  }

  @Test
  void badArgumentsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> throttle.setRateBytesPerSec(-1));
    assertThrows(IllegalArgumentException.class, () -> throttle.acquire(-1, 0));
    assertThrows(IllegalArgumentException.class, () -> throttle.acquire(1, -1));
    assertThrows(IllegalArgumentException.class, () -> throttle.release(-1));
  }
}
