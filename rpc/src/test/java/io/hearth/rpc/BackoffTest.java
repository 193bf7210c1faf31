package io.hearth.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The bounds and the spread of the backoff every retry loop uses. */
class BackoffTest {
  @Test
  void delaysStayWithinHalfTheCapAndTheCap() {
    long seed = System.nanoTime();
    System.out.println("BackoffTest seed " + seed);
    Random r = new Random(seed);
    Backoff b = new Backoff(10, 500);
    for (int attempt = 0; attempt < 64; attempt++) {
      long cap = b.capMs(attempt);
      assertEquals(Math.min(500, 10L << Math.min(attempt, 40)), cap, "cap of " + attempt);
      for (int i = 0; i < 200; i++) {
        long d = b.delayMs(attempt, r);
        assertTrue(
            d >= cap / 2 && d <= cap,
            "attempt " + attempt + " waited " + d + " (seed " + seed + ")");
      }
    }
  }

  @Test
  void theCapNeverOverflowsAndNeverShrinks() {
    Backoff b = new Backoff(7, Long.MAX_VALUE / 4);
    long last = 0;
    for (int attempt = 0; attempt < 1000; attempt++) {
      long cap = b.capMs(attempt);
      assertTrue(cap >= last && cap > 0, "attempt " + attempt + ": " + cap);
      last = cap;
    }
  }

  @Test
  void delaysAreSpread() {
    Random r = new Random(42);
    Backoff b = new Backoff(100, 100);
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      seen.add(b.delayMs(0, r));
    }
    assertTrue(seen.size() > 20, "jitter spreads the waits: " + seen.size() + " distinct of 100");
  }

  @Test
  void nonsenseBoundsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new Backoff(0, 10));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(10, 5));
  }
}
