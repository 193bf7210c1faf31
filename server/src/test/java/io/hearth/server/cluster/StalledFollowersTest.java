package io.hearth.server.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The stall rule: only a follower that answers, lags and has not moved for the whole window. */
class StalledFollowersTest {
  private static final long STALL = StalledFollowers.STALLED_MS;
  private final StalledFollowers.Tracker t = new StalledFollowers.Tracker();

  @Test
  void aFollowerThatAnswersButStaysBehindIsStalledAfterTheWindow() {
    assertFalse(t.stalled(0, "n1", 822, 900, 1, 100));
    assertFalse(t.stalled(STALL - 1, "n1", 822, 4000, 1, 100), "not yet the whole window");
    assertTrue(t.stalled(STALL, "n1", 822, 4400, 1, 100));
  }

  @Test
  void anyProgressStartsTheWindowAgain() {
    t.stalled(0, "n1", 822, 900, 1, 100);
    assertFalse(t.stalled(STALL, "n1", 823, 4400, 1, 100), "slow, not stalled");
    assertFalse(t.stalled(STALL + STALL - 1, "n1", 823, 4400, 1, 100));
    assertTrue(t.stalled(2 * STALL, "n1", 823, 4400, 1, 100));
  }

  @Test
  void aCaughtUpOrSilentFollowerIsNeverStalled() {
    t.stalled(0, "idle", 900, 900, 1, 100);
    assertFalse(t.stalled(10 * STALL, "idle", 900, 900, 1, 100), "nothing to send it");
    t.stalled(0, "down", 500, 900, 1, 100);
    assertFalse(
        t.stalled(10 * STALL, "down", 500, 4400, 1, StalledFollowers.ANSWERING_MS + 1),
        "not answering: the repair path's business, not a stuck appender");
  }

  @Test
  void aFollowerBeingSentASnapshotIsNotStalled() {
    t.stalled(0, "new", 0, 4400, 3000, 100);
    assertFalse(t.stalled(10 * STALL, "new", 0, 4400, 3000, 100), "needs entries before 3000");
  }

  @Test
  void afterATransferTheGroupIsLeftAloneForTheCooldown() {
    t.stalled(0, "n1", 822, 900, 1, 100);
    assertTrue(t.stalled(STALL, "n1", 822, 4400, 1, 100));
    t.transferred(STALL);
    t.stalled(STALL, "n1", 822, 4400, 1, 100);
    assertFalse(t.stalled(2 * STALL, "n1", 822, 4400, 1, 100), "cooling down");
    assertTrue(t.stalled(STALL + StalledFollowers.COOLDOWN_MS, "n1", 822, 4400, 1, 100));
  }
}
