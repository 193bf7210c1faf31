package io.hearth.server.data;

import io.hearth.protocol.Limits;
import io.hearth.protocol.data.RawBlock;
import io.hearth.rpc.MonoClock;
import io.hearth.server.loop.LoopRunner;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies blocks this replica lacks (never received, or found corrupt) from the other members of its
 * group, verifying each copy before it replaces anything (the {@link BlockStore#repair} checks).
 *
 * <p>Guarantees: nothing is forgotten: ids come from a bounded queue, and every {@code RESCAN_MS}
 * the whole missing set is queued again, so an id dropped from a full queue, or whose copy failed
 * (no member had a good copy yet), is tried again. The same rescan deletes temporary files of
 * streamed blocks older than the GC grace period, which no commit can name any more. An id is
 * copied by at most one worker at a time: it stays in {@code pending} from its queueing until its
 * copy attempt ends.
 *
 * <p>Threads: two loops per group on {@link LoopRunner}s, the rescan with its tmp sweep (at once,
 * then every {@code RESCAN_MS}) and the progress summary (every {@code SUMMARY_POLL_MS}), and
 * {@link #COPIES_IN_FLIGHT} worker virtual threads taking ids from the queue. Every copy passes the
 * server-wide {@link RepairThrottle} before it fetches. {@link #close} stops the loops and
 * interrupts the workers.
 *
 * <p>Time: the loops run on the injected {@link MonoClock}; temporary files' ages are wall-clock
 * (file times), measured against the injected {@link Clock}, as are the progress summaries.
 */
final class Repairer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Repairer.class);
  private static final int QUEUE_MAX = 65_536;
  private static final long RESCAN_MS = 10_000;

  /** How often the coordinator looks whether a progress summary is due. */
  private static final long SUMMARY_POLL_MS = 1_000;

  /** Longest wait of a loop after failures (a disk error reading the missing set). */
  private static final long FAILURE_DELAY_MAX_MS = 60_000;

  /**
   * Copies of one group in flight at once. One copy at a time leaves the disk idle while a block
   * crosses the network and the network idle during the verify and fsync; a few overlap those
   * stages and let two sources serve at once. Each holds a block (up to 4 MiB) about three times in
   * memory (reply, parsed copy, staging), so four cost at most ~48 MiB per group, and leave the
   * sources' disks and the network to client traffic as well.
   */
  static final int COPIES_IN_FLIGHT = 4;

  /**
   * Longest a copy waits for the throttle before giving its turn up (its id is retried by the
   * rescan): at the lowest useful rates a copy may wait behind its peers for several blocks.
   */
  private static final long THROTTLE_WAIT_MAX_MS = 30_000;

  /** Pause of a worker after a block that no member could provide. */
  private static final long FAILED_PAUSE_MS = 200;

  private final RaftGroupId groupId;
  private final BlockStore store;
  private final Clock clock;
  private final long tmpMaxAgeMs;
  private final RepairThrottle throttle;
  private final RepairSources sources;
  private final RepairProgress progress;
  private final BlockingQueue<Long> queue = new LinkedBlockingQueue<>(QUEUE_MAX);
  private final Set<Long> pending = ConcurrentHashMap.newKeySet();
  private final List<Thread> threads = new ArrayList<>();
  private final LoopRunner rescan;
  private final LoopRunner summary;
  private volatile boolean closed;

  /**
   * @param monoClock when the loops run
   * @param clock what temporary files' ages and the summaries' rates are measured against
   */
  Repairer(
      RaftServer server,
      RaftGroupId groupId,
      BlockStore store,
      MonoClock monoClock,
      Clock clock,
      long tmpMaxAgeMs,
      RepairThrottle throttle) {
    this.groupId = groupId;
    this.store = store;
    this.clock = clock;
    this.tmpMaxAgeMs = tmpMaxAgeMs;
    this.throttle = throttle;
    this.sources = new RepairSources(server, groupId);
    this.progress = new RepairProgress(groupId, clock);
    this.rescan =
        LoopRunner.always(
            "repair-" + groupId + "-rescan",
            monoClock,
            LoopRunner.Schedule.every(RESCAN_MS, FAILURE_DELAY_MAX_MS).withFirstDelayMs(0),
            this::rescan);
    this.summary =
        LoopRunner.always(
            "repair-" + groupId + "-summary",
            monoClock,
            LoopRunner.Schedule.every(SUMMARY_POLL_MS, FAILURE_DELAY_MAX_MS),
            () -> progress.maybeLog(store.missingCount()));
  }

  synchronized void start() {
    rescan.start();
    summary.start();
    for (int i = 0; i < COPIES_IN_FLIGHT; i++) {
      threads.add(Thread.ofVirtual().name("repair-" + groupId + "-" + i).start(this::work));
    }
  }

  /** Asks for a block to be repaired; dropped if the queue is full (the rescan finds it). */
  void enqueue(long id) {
    if (pending.add(id) && !queue.offer(id)) {
      pending.remove(id);
    }
  }

  /** Blocks installed since start. */
  long repairedBlocks() {
    return progress.blocks();
  }

  /** Bytes of the blocks installed since start. */
  long repairedBytes() {
    return progress.bytes();
  }

  /** Queues the whole missing set again, and deletes streams that no commit can name any more. */
  private void rescan() {
    store.missing().forEach(this::enqueue);
    sweepTmp();
  }

  private void work() {
    while (!closed) {
      try {
        Long id = queue.poll(1, TimeUnit.SECONDS);
        if (id == null) {
          continue;
        }
        try {
          if (store.isMissing(id)) {
            copy(id);
          }
        } finally {
          pending.remove(id);
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn("{}: repair worker: {}", groupId, e.toString());
      }
    }
  }

  private void sweepTmp() {
    try {
      store.sweepTmp(clock.millis(), tmpMaxAgeMs);
    } catch (IOException e) {
      LOG.warn("{}: sweeping old temporary files: {}", groupId, e.toString());
    }
  }

  /**
   * One attempt at a block: the other members in turn until one provides a copy that verifies. Each
   * fetch reserves a whole block of bandwidth first (the length is not known before) and gives back
   * what the block did not use. A block that no member provides, or that waited too long for the
   * throttle, stays missing for the rescan to queue again.
   */
  private void copy(long id) throws InterruptedException {
    progress.copying();
    RepairSources.Sources s;
    try {
      s = sources.next();
    } catch (IOException e) {
      LOG.debug("{}: no sources for block {}: {}", groupId, id, e.toString());
      failed();
      return;
    }
    for (RaftPeerId peer : s.peers()) {
      if (!throttle.acquire(Limits.BLOCK_MAX_BYTES, THROTTLE_WAIT_MAX_MS)) {
        LOG.debug("{}: block {} waited for the repair throttle too long", groupId, id);
        return;
      }
      RawBlock raw = fetch(s, peer, id);
      if (raw == null) {
        continue;
      }
      try {
        if (store.repair(id, raw)) {
          progress.repaired(raw.getData().size(), store.missingCount());
          LOG.debug("{}: repaired block {} from {}", groupId, id, peer);
        }
        return;
      } catch (IOException e) {
        LOG.debug("{}: block {} from {} not installed: {}", groupId, id, peer, e.toString());
      }
    }
    failed();
  }

  /**
   * The block from one member, or null; gives back the bandwidth reserved for it that it did not
   * use.
   */
  private RawBlock fetch(RepairSources.Sources s, RaftPeerId peer, long id) {
    long used = 0;
    try {
      RawBlock raw = RepairSources.fetch(s.client(), peer, id);
      used = raw == null ? 0 : raw.getData().size();
      return raw;
    } catch (IOException e) {
      LOG.debug("{}: block {} from {}: {}", groupId, id, peer, e.toString());
      return null;
    } finally {
      throttle.release(Math.max(0, Limits.BLOCK_MAX_BYTES - used));
    }
  }

  /** No good copy reachable yet: pause this worker so that it does not spin on such blocks. */
  private void failed() throws InterruptedException {
    progress.failed();
    Thread.sleep(FAILED_PAUSE_MS);
  }

  @Override
  public void close() {
    closed = true;
    rescan.close();
    summary.close();
    synchronized (this) {
      threads.forEach(Thread::interrupt);
    }
    sources.close();
  }
}
