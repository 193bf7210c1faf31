package io.hearth.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-inode validity rule of what the kernel is handed, on a clock the test moves. */
class KernelCachesTest {
  private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(1);

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final KernelCaches caches = new KernelCaches(now::get);

  private void advanceMs(long ms) {
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
  }

  @Test
  void aFileNeverSeenChangingElsewhereGetsTheMountsTimeout() {
    assertEquals(TIMEOUT_NS, caches.validityNs(42, TIMEOUT_NS));
  }

  @Test
  void aFileJustChangedElsewhereIsAskedAboutAgainAtOnceThenLongerAsItStaysQuiet() {
    caches.inode(42);
    assertEquals(0, caches.validityNs(42, TIMEOUT_NS), "changing now: no caching");
    advanceMs(2_000);
    assertEquals(TimeUnit.MILLISECONDS.toNanos(200), caches.validityNs(42, TIMEOUT_NS));
    assertEquals(TIMEOUT_NS, caches.validityNs(7, TIMEOUT_NS), "other inodes are not touched");
    advanceMs(8_000);
    assertEquals(TIMEOUT_NS, caches.validityNs(42, TIMEOUT_NS), "quiet 10 s: the full timeout");
    caches.inode(42);
    assertEquals(0, caches.validityNs(42, TIMEOUT_NS), "a new change starts it again");
  }

  @Test
  void theRuleNeverLengthensTheTimeoutAndNeverGoesNegative() {
    for (long quietMs : new long[] {-5, 0, 1, 999, 10_000, 1_000_000}) {
      long v =
          KernelCaches.validityAfterQuietNs(TIMEOUT_NS, TimeUnit.MILLISECONDS.toNanos(quietMs));
      assertTrue(v >= 0 && v <= TIMEOUT_NS, quietMs + " ms quiet gave " + v + " ns");
    }
  }

  @Test
  void theInodesRememberedAreBounded() {
    for (long ino = 1; ino <= KernelCaches.HOT_INODES_MAX + 100; ino++) {
      caches.inode(ino);
    }
    assertEquals(TIMEOUT_NS, caches.validityNs(1, TIMEOUT_NS), "the eldest was forgotten");
    assertEquals(0, caches.validityNs(KernelCaches.HOT_INODES_MAX + 100, TIMEOUT_NS));
  }
}
