package io.hearth.fuse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A file workload on a mounted directory for tests that change the cluster under it (restarts,
 * membership changes): a few threads write, fsync, read back, overwrite, rename and delete files
 * and directories until stopped, and every operation that throws or returns wrong data is an error.
 *
 * <p><b>What it guarantees.</b> Each worker thread works in its own directory ({@code root/w<i>}),
 * so the outcome of every operation is known in advance, and keeps a model of what it has had
 * acknowledged: path to {@link FileContent} (a recipe of seeded bytes), and its directories. The
 * model changes only after the operation returned (a file's after its close), so {@link #verify}
 * can demand that every acknowledged file reads back byte-exact and every directory lists exactly
 * the model's names. An operation that failed leaves its paths <i>uncertain</i> (it may or may not
 * have happened): they leave the model and are not compared; the failure itself is the error. Until
 * an operation fails, the sequence of operations of worker i follows from the seed (printed at
 * start) and i alone.
 *
 * <p><b>Threads.</b> One platform thread per worker, and each operation on a thread of a runner
 * pool, waited for at most {@link Options#opTimeout}: a mount that hangs makes an error ("no answer
 * within ..."), never a hung test. A worker whose operation hung stops there (its runner thread
 * stays blocked in the kernel until the mount goes away), so at most {@code threads} runner threads
 * are ever stuck. Every wait here is bounded.
 *
 * <p><b>States.</b> running (from {@link #start}) until {@link #stop}; then {@link #verify} may run
 * any number of times; {@link #close} stops if needed and ends the runner pool.
 *
 * <p><b>Figures.</b> Operations done, errors, and the longest gap between two completed operations
 * of any worker (the stall a user of the mount would have felt).
 */
public final class Workload implements AutoCloseable {
  /** Errors kept with their details; later ones are only counted. */
  static final int FAILURES_KEPT = 200;

  /**
   * @param threads worker threads, each in its own directory
   * @param opTimeout the longest one operation may take before it counts as hung
   * @param fileBytesMax the largest file written (some files are over 4 MiB, the block size)
   * @param bytesMaxPerThread acknowledged bytes one worker keeps at most; past it, it deletes
   * @param filesMaxPerThread acknowledged files one worker keeps at most; past it, it deletes
   * @param pauseMsMax each worker sleeps 0..this between operations, leaving the servers CPU
   * @param clock for the errors' times and the gaps between operations
   */
  public record Options(
      int threads,
      Duration opTimeout,
      int fileBytesMax,
      long bytesMaxPerThread,
      int filesMaxPerThread,
      int pauseMsMax,
      Clock clock) {
    public Options {
      if (threads < 1 || threads > 16) {
        throw new IllegalArgumentException("threads must be 1..16: " + threads);
      }
      if (fileBytesMax < 1 || bytesMaxPerThread < fileBytesMax || filesMaxPerThread < 1) {
        throw new IllegalArgumentException("bad size bounds");
      }
    }

    /** 3 threads, files up to 6 MiB, 64 MiB and 300 files per thread, 75 s per operation. */
    public static Options defaults() {
      return new Options(3, Duration.ofSeconds(75), 6 << 20, 64L << 20, 300, 5, Clock.systemUTC());
    }
  }

  /** One error: when, which operation, on which path, and the exception or what differed. */
  public record Failure(Instant at, String op, String path, String detail) {
    @Override
    public String toString() {
      return at + " " + op + " " + path + ": " + detail;
    }
  }

  /** What {@link #verify} found: what it compared, and every difference. */
  public record Verification(int files, int dirs, long bytes, List<String> mismatches) {
    public Verification {
      mismatches = List.copyOf(mismatches);
    }

    @Override
    public String toString() {
      return "verified %d files (%d bytes) and %d directories: %d mismatches"
              .formatted(files, bytes, dirs, mismatches.size())
          + (mismatches.isEmpty() ? "" : "\n  " + String.join("\n  ", mismatches));
    }
  }

  /** An operation failed (and was recorded); {@code hung} when it did not return in time. */
  static final class OpFailed extends Exception {
    final boolean hung;

    OpFailed(boolean hung) {
      super(null, null, false, false);
      this.hung = hung;
    }
  }

  /** A read returned other bytes than the model says: recorded as the operation's error. */
  static final class WrongData extends IOException {
    WrongData(String what) {
      super(what);
    }
  }

  private final Path root;
  private final long seed;
  private final Options options;
  private final Clock clock;
  private final ExecutorService runners =
      Executors.newCachedThreadPool(Thread.ofPlatform().daemon().name("workload-op-", 0).factory());
  private final List<WorkloadWorker> workers = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicLong opsDone = new AtomicLong();
  private final AtomicLong failureCount = new AtomicLong();
  private final List<Failure> failures = new ArrayList<>();
  private final Map<String, LongAdder> opCounts = new ConcurrentHashMap<>();
  private volatile boolean running = true;
  private boolean stopped;
  private long startMs;
  // The stall measure; guarded by this.
  private long lastDoneMs;
  private long longestGapMs;
  private long longestGapFromMs;

  private Workload(Path root, long seed, Options options) {
    this.root = root;
    this.seed = seed;
    this.options = options;
    this.clock = options.clock();
  }

  /** Starts the workers on {@code root} (an existing directory, e.g. a mountpoint). */
  public static Workload start(Path root, long seed, Options options) throws IOException {
    if (!Files.isDirectory(root)) {
      throw new IOException("workload root " + root + " is not a directory");
    }
    Workload w = new Workload(root, seed, options);
    System.out.printf(
        "Workload seed=%d (replay with this seed): %d threads on %s%n",
        seed, options.threads(), root);
    w.startMs = w.clock.millis();
    w.lastDoneMs = w.startMs;
    for (int i = 0; i < options.threads(); i++) {
      WorkloadWorker worker = new WorkloadWorker(w, i, seed * 31 + i, options);
      w.workers.add(worker);
      w.threads.add(Thread.ofPlatform().daemon().name("workload-w" + i).start(worker::run));
    }
    return w;
  }

  Path root() {
    return root;
  }

  boolean running() {
    return running;
  }

  /**
   * Runs one operation of a worker on a runner thread, at most {@link Options#opTimeout}. Success
   * counts as an operation done; an exception or a timeout is recorded as an error and thrown as
   * {@link OpFailed}.
   */
  <T> T run(String op, String path, Callable<T> body) throws OpFailed {
    try {
      T t = call(body);
      done(op);
      return t;
    } catch (TimeoutException e) {
      fail(op, path, "hung: no answer within " + options.opTimeout().toMillis() + " ms");
      throw new OpFailed(true);
    } catch (IOException | RuntimeException e) {
      fail(op, path, e.toString());
      throw new OpFailed(false);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail(op, path, "interrupted");
      throw new OpFailed(true);
    }
  }

  /** {@code body} on a runner thread, waited for at most the operation timeout. */
  <T> T call(Callable<T> body) throws IOException, TimeoutException, InterruptedException {
    Future<T> f = runners.submit(body);
    try {
      return f.get(options.opTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      if (c instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException(c);
    }
  }

  private synchronized void done(String op) {
    opsDone.incrementAndGet();
    opCounts.computeIfAbsent(op, k -> new LongAdder()).increment();
    gapUntil(clock.millis());
  }

  private synchronized void gapUntil(long nowMs) {
    if (nowMs - lastDoneMs > longestGapMs) {
      longestGapMs = nowMs - lastDoneMs;
      longestGapFromMs = lastDoneMs;
    }
    lastDoneMs = nowMs;
  }

  private synchronized void fail(String op, String path, String detail) {
    failureCount.incrementAndGet();
    Failure f = new Failure(clock.instant(), op, path, detail);
    System.out.println("Workload error: " + f);
    if (failures.size() < FAILURES_KEPT) {
      failures.add(f);
    }
  }

  public long opsDone() {
    return opsDone.get();
  }

  /** Operations that threw, hung or returned wrong data. */
  public long errors() {
    return failureCount.get();
  }

  /** The first {@link #FAILURES_KEPT} errors. */
  public synchronized List<Failure> failures() {
    return List.copyOf(failures);
  }

  /** The longest time no worker completed an operation (up to now, or to {@link #stop}). */
  public synchronized Duration longestGap() {
    return Duration.ofMillis(longestGapMs);
  }

  /** When the longest gap began, in ms since the workload started. */
  public synchronized long longestGapFromMs() {
    return longestGapFromMs - startMs;
  }

  public synchronized String summary() {
    Map<String, Long> byOp = new TreeMap<>();
    opCounts.forEach((k, v) -> byOp.put(k, v.sum()));
    return "Workload seed=%d: %d ops in %d ms, %d errors, longest gap between ops %d ms (from +%d ms); %s"
        .formatted(
            seed,
            opsDone.get(),
            (stopped ? lastDoneMs : clock.millis()) - startMs,
            failureCount.get(),
            longestGapMs,
            longestGapFromMs - startMs,
            byOp);
  }

  /**
   * Asks the workers to stop and waits (bounded) until they have; the gap measure ends here. A
   * worker that does not end in time is recorded as an error.
   */
  public void stop() throws InterruptedException {
    if (stopped) {
      return;
    }
    running = false;
    long boundMs = options.opTimeout().toMillis() + options.pauseMsMax() + 10_000;
    for (int i = 0; i < threads.size(); i++) {
      threads.get(i).join(boundMs);
      if (threads.get(i).isAlive()) {
        fail("stop", "w" + i, "worker still running " + boundMs + " ms after stop");
      }
    }
    synchronized (this) {
      gapUntil(clock.millis());
      stopped = true;
    }
  }

  /**
   * After {@link #stop}: re-reads every acknowledged file and lists every directory of the model,
   * each read bounded by the operation timeout. Mismatches are returned, not counted as errors.
   */
  public Verification verify() throws InterruptedException {
    if (!stopped) {
      throw new IllegalStateException("verify after stop");
    }
    List<String> mismatches = new ArrayList<>();
    int files = 0;
    int dirs = 0;
    long bytes = 0;
    for (WorkloadWorker w : workers) {
      WorkloadWorker.Checked c = w.verify(mismatches);
      files += c.files();
      dirs += c.dirs();
      bytes += c.bytes();
    }
    return new Verification(files, dirs, bytes, mismatches);
  }

  @Override
  public void close() throws InterruptedException {
    try {
      stop();
    } finally {
      runners.shutdownNow();
    }
  }
}
