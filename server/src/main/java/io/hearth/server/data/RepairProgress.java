package io.hearth.server.data;

import java.time.Clock;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one group's repairer has done, counted since the server started (for {@code DataStat}) and
 * told in the log as a summary at most every {@link #SUMMARY_EVERY_MS}, never a line per block: a
 * new member of a group repairs every block the group holds, and a line each would drown the log. A
 * <em>run</em> lasts from the first copy after the missing set was empty until it is empty again;
 * the end of a large or long run (a re-replication, not a write routed around a slow member) is
 * logged at once with its rate ("repair run done"), which is what a watcher of a decommission waits
 * for.
 *
 * <p>Threads: any (the repairer's workers report, its coordinator logs); guarded by this object.
 */
final class RepairProgress {
  private static final Logger LOG = LoggerFactory.getLogger(Repairer.class);

  /** Least time between two summaries of one group while blocks are being repaired. */
  static final long SUMMARY_EVERY_MS = 5_000;

  /** Runs of fewer blocks and shorter than a summary interval end without a line of their own. */
  static final int RUN_LOG_MIN_BLOCKS = 64;

  /** Least time between two lines about blocks no member could provide. */
  static final long STUCK_EVERY_MS = 60_000;

  private final Object group;
  private final Clock clock;
  private long blocks;
  private long bytes;
  private long failures;
  private long loggedMs;
  private long loggedBlocks;
  private long loggedBytes;
  private long loggedFailures;
  private long stuckLoggedMs;
  private long runStartMs = -1;
  private long runBlocks;
  private long runBytes;

  RepairProgress(Object group, Clock clock) {
    this.group = group;
    this.clock = clock;
    this.loggedMs = clock.millis();
    this.stuckLoggedMs = loggedMs - STUCK_EVERY_MS;
  }

  /** A copy is starting: opens a run if none is open. */
  synchronized void copying() {
    if (runStartMs < 0) {
      runStartMs = clock.millis();
      runBlocks = blocks;
      runBytes = bytes;
    }
  }

  /** A block of {@code len} bytes was installed; {@code missing} blocks are still missing. */
  synchronized void repaired(long len, int missing) {
    blocks++;
    bytes += len;
    if (missing == 0 && runStartMs >= 0) {
      long ms = Math.max(1, clock.millis() - runStartMs);
      runStartMs = -1;
      if (blocks - runBlocks < RUN_LOG_MIN_BLOCKS && ms < SUMMARY_EVERY_MS) {
        return;
      }
      LOG.info(
          "{}: repair run done: {} blocks, {} in {} s ({})",
          group,
          blocks - runBlocks,
          mib(bytes - runBytes),
          seconds(ms),
          rate(bytes - runBytes, ms));
    }
  }

  /** No member could provide a block this time (down, lacking it, or a bad copy). */
  synchronized void failed() {
    failures++;
  }

  synchronized long blocks() {
    return blocks;
  }

  synchronized long bytes() {
    return bytes;
  }

  /** Logs a summary if one is due; {@code missing} is the number of blocks still missing. */
  synchronized void maybeLog(int missing) {
    long now = clock.millis();
    long ms = now - loggedMs;
    if (ms < SUMMARY_EVERY_MS) {
      return;
    }
    long newBlocks = blocks - loggedBlocks;
    long newFailures = failures - loggedFailures;
    if (newBlocks > 0) {
      LOG.info(
          "{}: repaired {} blocks, {} in the last {} s ({}); {} still missing; {} blocks, {} since"
              + " start",
          group,
          newBlocks,
          mib(bytes - loggedBytes),
          seconds(ms),
          rate(bytes - loggedBytes, ms),
          missing,
          blocks,
          mib(bytes));
    } else if (newFailures > 0 && now - stuckLoggedMs >= STUCK_EVERY_MS) {
      LOG.info(
          "{}: {} still missing; no member could provide them ({} attempts since the last line)",
          group,
          missing,
          newFailures);
      stuckLoggedMs = now;
    } else if (newFailures > 0) {
      return; // keep counting these attempts toward the next line about them
    }
    loggedMs = now;
    loggedBlocks = blocks;
    loggedBytes = bytes;
    loggedFailures = failures;
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }

  private static String seconds(long ms) {
    return String.format(Locale.ROOT, "%.1f", ms / 1000.0);
  }

  private static String rate(long bytes, long ms) {
    return String.format(Locale.ROOT, "%.1f MiB/s", bytes / 1048576.0 * 1000 / Math.max(1, ms));
  }
}
