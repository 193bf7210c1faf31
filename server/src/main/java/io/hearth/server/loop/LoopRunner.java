package io.hearth.server.loop;

import io.hearth.rpc.Backoff;
import io.hearth.rpc.MonoClock;
import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one step of a control loop (the mover, block GC, the reconciler, a repairer's rescan) every
 * interval while a condition holds, such as "this node leads the meta group".
 *
 * <ul>
 *   <li><b>One at a time:</b> the next step is scheduled only when one has ended, so steps never
 *       overlap and at most one is scheduled or running.
 *   <li><b>Condition:</b> asked before each step; when false the step is skipped and the next is
 *       due an interval later.
 *   <li><b>Failures:</b> a step that throws is logged (one line) and the next waits {@code interval
 *       * 2^failures}, at most {@link Schedule#failureDelayMaxMs}; a step that succeeds or is
 *       skipped resets that. The runner does not bound how long a step takes: each call a step
 *       makes carries its own deadline.
 *   <li><b>Close:</b> no step starts after {@link #close}; a running one is interrupted (not waited
 *       for), and what it throws from then on is not logged as a failure.
 * </ul>
 *
 * <p>Time and threads are injected: delays come from the {@link MonoClock}, and every step runs on
 * the {@link Executor}, never on the clock's own thread (whose pool may be shared). The server uses
 * a virtual thread per step; a test passes a clock it steps by hand and a direct executor, so that
 * a step runs inside the test's call that moves time past it.
 */
public final class LoopRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LoopRunner.class);

  /** One step of the loop; what it throws is a failed step. */
  @FunctionalInterface
  public interface Step {
    void run() throws IOException, InterruptedException;
  }

  /**
   * When steps run.
   *
   * @param firstDelayMs from {@link #start} to the first step
   * @param intervalMs from the end of a step (or a skipped one) to the next
   * @param failureDelayMaxMs the longest wait after failed steps
   */
  public record Schedule(long firstDelayMs, long intervalMs, long failureDelayMaxMs) {
    public Schedule {
      if (firstDelayMs < 0 || intervalMs <= 0 || failureDelayMaxMs < intervalMs) {
        throw new IllegalArgumentException(
            "loop schedule " + firstDelayMs + "/" + intervalMs + "/" + failureDelayMaxMs + " ms");
      }
    }

    /** A step every {@code intervalMs}, the first one interval after start. */
    public static Schedule every(long intervalMs, long failureDelayMaxMs) {
      return new Schedule(intervalMs, intervalMs, failureDelayMaxMs);
    }

    public Schedule withFirstDelayMs(long ms) {
      return new Schedule(ms, intervalMs, failureDelayMaxMs);
    }
  }

  private final String name;
  private final MonoClock clock;
  private final Executor executor;
  private final Schedule schedule;
  private final Backoff backoff;
  private final BooleanSupplier when;
  private final Step step;
  private volatile boolean closed;
  private volatile Thread running;
  private boolean started;
  private volatile int failures;

  /**
   * @param name for the log and the threads
   * @param when asked before each step: whether to run it (e.g. "this node leads the meta group")
   */
  public LoopRunner(
      String name,
      MonoClock clock,
      Executor executor,
      Schedule schedule,
      BooleanSupplier when,
      Step step) {
    this.name = name;
    this.clock = clock;
    this.executor = executor;
    this.schedule = schedule;
    this.backoff = new Backoff(schedule.intervalMs(), schedule.failureDelayMaxMs());
    this.when = when;
    this.step = step;
  }

  /** A runner whose every step runs on a new virtual thread named after the loop. */
  public static LoopRunner onVirtualThreads(
      String name, MonoClock clock, Schedule schedule, BooleanSupplier when, Step step) {
    return new LoopRunner(
        name, clock, r -> Thread.ofVirtual().name(name).start(r), schedule, when, step);
  }

  /** A runner that runs its step whatever the state of the node. */
  public static LoopRunner always(String name, MonoClock clock, Schedule schedule, Step step) {
    return onVirtualThreads(name, clock, schedule, () -> true, step);
  }

  public synchronized void start() {
    if (started) {
      throw new IllegalStateException(name + " started twice");
    }
    started = true;
    scheduleIn(schedule.firstDelayMs());
  }

  private void scheduleIn(long delayMs) {
    if (!closed) {
      clock.after(delayMs, () -> executor.execute(this::tick));
    }
  }

  private void tick() {
    running = Thread.currentThread();
    long nextMs;
    try {
      if (closed) {
        return;
      }
      nextMs = runOnce();
    } finally {
      running = null;
    }
    scheduleIn(nextMs);
  }

  /** Runs the step if the condition holds; the delay until the next one. */
  private long runOnce() {
    try {
      if (when.getAsBoolean()) {
        step.run();
      }
      failures = 0;
      return schedule.intervalMs();
    } catch (InterruptedException | IOException | RuntimeException e) {
      if (closed) {
        LOG.debug("{}: step ended by close: {}", name, e.toString());
        return schedule.intervalMs();
      }
      Thread.interrupted(); // an interrupt not from close is one failure, not the next step's too
      failures++;
      long delayMs = backoff.capMs(failures);
      LOG.warn(
          "{}: step failed ({} in a row), next in {} ms: {}",
          name,
          failures,
          delayMs,
          e.toString());
      return delayMs;
    }
  }

  /** Failed steps since the last one that succeeded or was skipped. */
  public int failures() {
    return failures;
  }

  @Override
  public void close() {
    closed = true;
    Thread t = running;
    if (t != null && t != Thread.currentThread()) {
      t.interrupt();
    }
  }
}
