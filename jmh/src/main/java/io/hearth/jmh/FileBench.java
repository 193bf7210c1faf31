package io.hearth.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * File data through the Java client on Hearth (3-node loopback cluster) and through java.nio
 * FileChannel on the local disk, in the same run: sequential write and read of a large file in 1
 * MiB calls, 4 KiB random reads and writes in a smaller file, and small files. Run with -t 1 and -t
 * 16 (the sequential rows with -t 1): scripts/bench-files, which turns the scores into MiB/s and
 * ops/s.
 *
 * <ul>
 *   <li>{@code seqWrite}: one invocation creates (O_TRUNC) a file of {@code fileMiB} MiB in 1 MiB
 *       writes, fsyncs it and closes it; the file is unlinked after, outside the measurement.
 *   <li>{@code seqRead}: one invocation opens that file (written once per trial) and reads it to
 *       the end in 1 MiB reads. Before each invocation Hearth gets a fresh client (nothing in its
 *       block cache); with {@code cache=cold} the kernel's page cache is dropped too (root only).
 *   <li>{@code randRead}, {@code randWrite}: 4 KiB at a uniformly random 4 KiB-aligned offset of a
 *       {@code randFileMiB} MiB file, through one handle shared by all threads; randWrite fsyncs
 *       after every {@value #FSYNC_EVERY} writes of a thread, inside the measurement.
 *   <li>{@code smallFile}: create + write 4 KiB + close of a new file, each thread in its own
 *       directory; the files are unlinked after each iteration, outside the measurement.
 * </ul>
 *
 * Randomness (offsets, file bytes) comes from {@code -p seed}, printed at the start of each trial.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
// Ratis, gRPC and RocksDB paths keep compiling for ~20 s: shorter warm-ups measured the JIT.
@Warmup(iterations = 4, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--enable-native-access=ALL-UNNAMED",
      "--sun-misc-unsafe-memory-access=allow",
      "-Xmx4g",
      "-Dhearth.log.level=warn"
    })
public class FileBench {
  static final int MIB = 1 << 20;
  static final int SMALL = 4096;
  static final int FSYNC_EVERY = 64;

  /** The file system under test, shared by all threads. */
  @State(Scope.Benchmark)
  public static class Fs {
    @Param({"local", "hearth"})
    public String target;

    @Param({"20261126"})
    public long seed;

    FileTarget fs;
    String dir;
    final AtomicInteger threads = new AtomicInteger();
    final List<SmallWorker> smallWorkers = new CopyOnWriteArrayList<>();

    @Setup(Level.Trial)
    public void start() throws IOException {
      System.out.println("FileBench: target=" + target + " seed=" + seed);
      fs = "hearth".equals(target) ? new HearthFileTarget() : new LocalFileTarget();
      dir = "/bench-" + System.nanoTime();
      fs.mkdir(dir);
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException, InterruptedException {
      // JMH runs this in the first thread done, while others may still run their own iteration
      // teardown: let them finish unlinking first.
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      for (SmallWorker w : smallWorkers) {
        while (w.first < w.next && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
      }
      fs.close();
    }

    /** A thread's number (from 1) and random stream. */
    SplittableRandom random(int thread) {
      return new SplittableRandom(seed * 1_000_003L + thread);
    }
  }

  /** {@code bytes} random bytes. */
  static ByteBuffer pattern(FileTarget fs, int bytes, SplittableRandom rnd) {
    ByteBuffer b = fs.allocate(bytes);
    while (b.remaining() >= 8) {
      b.putLong(rnd.nextLong());
    }
    return b.flip();
  }

  /** Writes {@code mib} MiB of {@code pattern} (1 MiB) at the start of a new file, then fsyncs. */
  static void writeFile(FileTarget fs, String path, int mib, ByteBuffer pattern)
      throws IOException {
    try (FileTarget.Handle h = fs.create(path)) {
      for (int i = 0; i < mib; i++) {
        h.write(pattern.duplicate());
      }
      h.fsync();
    }
  }

  /** sync, then drop the kernel's page cache, dentries and inodes (root only; the whole host). */
  static void dropPageCache() throws IOException {
    try {
      Process p = new ProcessBuilder("sync").inheritIO().start();
      if (p.waitFor() != 0) {
        throw new IOException("sync failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    try {
      Files.write(Path.of("/proc/sys/vm/drop_caches"), "3\n".getBytes(), StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new IOException(
          "cache=cold needs root to write /proc/sys/vm/drop_caches: " + e.getMessage(), e);
    }
  }

  // ---- sequential ----

  /** Each thread writes its own file: -t N gives N streams. */
  @State(Scope.Thread)
  public static class SeqWriter {
    @Param({"1024"})
    public int fileMiB;

    String path;
    ByteBuffer pattern;

    @Setup(Level.Trial)
    public void start(Fs fs) {
      int t = fs.threads.incrementAndGet();
      path = fs.dir + "/seq-w" + t;
      pattern = pattern(fs.fs, MIB, fs.random(t));
    }

    @TearDown(Level.Invocation)
    public void unlink(Fs fs) throws IOException {
      fs.fs.unlink(path);
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 3, time = 5)
  @Measurement(iterations = 3, time = 5)
  public void seqWrite(Fs fs, SeqWriter w) throws IOException {
    writeFile(fs.fs, w.path, w.fileMiB, w.pattern);
  }

  /**
   * A file written once per trial and read whole by each invocation. Hearth: a fresh client before
   * each invocation, so its block cache (128 MiB) holds nothing of the file. Local disk: the file
   * is in the page cache (hot) unless {@code cache=cold}, which drops the page cache before each
   * invocation; with cold, Hearth's servers also read from the disk.
   */
  @State(Scope.Thread)
  public static class SeqReader {
    @Param({"1024"})
    public int fileMiB;

    @Param({"hot"})
    public String cache;

    String path;
    ByteBuffer pattern;
    ByteBuffer buf;

    @Setup(Level.Trial)
    public void start(Fs fs, BenchmarkParams params) throws IOException {
      if (!"hot".equals(cache) && !"cold".equals(cache)) {
        throw new IllegalArgumentException("cache must be hot or cold, not " + cache);
      }
      if (params.getThreads() != 1) {
        // Each invocation replaces Hearth's client, under the feet of other readers.
        throw new IllegalArgumentException("seqRead runs with one thread (-t 1)");
      }
      int t = fs.threads.incrementAndGet();
      path = fs.dir + "/seq-r" + t;
      pattern = pattern(fs.fs, MIB, fs.random(t));
      buf = fs.fs.allocate(MIB);
      writeFile(fs.fs, path, fileMiB, pattern);
    }

    @Setup(Level.Invocation)
    public void forget(Fs fs) throws IOException {
      if ("cold".equals(cache)) {
        dropPageCache();
      }
      fs.fs.dropClientCache();
    }

    // No trial teardown: JMH tears Fs down first, and Fs removes everything.
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 3, time = 5)
  @Measurement(iterations = 3, time = 5)
  public long seqRead(Fs fs, SeqReader r) throws IOException {
    long total = 0;
    ByteBuffer buf = r.buf;
    try (FileTarget.Handle h = fs.fs.openRead(r.path)) {
      while (true) {
        buf.clear();
        int n = h.read(buf);
        if (n < 0) {
          break;
        }
        // A cheap check that the bytes are the file's (every MiB holds the same pattern), not
        // zeros.
        if (n != MIB
            || buf.getLong(0) != r.pattern.getLong(0)
            || buf.getLong(MIB - 8) != r.pattern.getLong(MIB - 8)) {
          throw new IOException("wrong bytes at offset " + total + " (" + n + " read)");
        }
        total += n;
      }
    }
    if (total != (long) r.fileMiB * MIB) {
      throw new IOException("read " + total + " bytes of " + (long) r.fileMiB * MIB);
    }
    return total;
  }

  // ---- random 4 KiB ----

  /** A file written once per trial and opened O_RDWR, one handle for all threads. */
  @State(Scope.Benchmark)
  public static class RandFile {
    @Param({"256"})
    public int randFileMiB;

    String path;
    FileTarget.Handle h;
    int blocks;

    @Setup(Level.Trial)
    public void start(Fs fs) throws IOException {
      path = fs.dir + "/rand";
      writeFile(fs.fs, path, randFileMiB, pattern(fs.fs, MIB, fs.random(0)));
      fs.fs.dropClientCache();
      h = fs.fs.openReadWrite(path);
      blocks = randFileMiB * (MIB / SMALL);
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
      h.close(); // JMH runs this before Fs.stop, which removes the file
    }
  }

  @State(Scope.Thread)
  public static class RandWorker {
    SplittableRandom rnd;
    ByteBuffer buf;

    @Setup(Level.Trial)
    public void start(Fs fs) {
      rnd = fs.random(fs.threads.incrementAndGet());
      buf = pattern(fs.fs, SMALL, rnd);
    }

    long nextOffset(RandFile f) {
      return (long) rnd.nextInt(f.blocks) * SMALL;
    }
  }

  @Benchmark
  public int randRead(RandFile f, RandWorker w) throws IOException {
    ByteBuffer buf = w.buf.clear();
    int n = f.h.pread(buf, w.nextOffset(f));
    if (n != SMALL) {
      throw new IOException("short read: " + n);
    }
    return n;
  }

  /**
   * {@value #FSYNC_EVERY} writes then an fsync: the score is per write, fsync included. Every
   * invocation ends with its fsync, so nothing is left unsynced at the end of an iteration.
   */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OperationsPerInvocation(FSYNC_EVERY)
  public void randWrite(RandFile f, RandWorker w) throws IOException {
    for (int i = 0; i < FSYNC_EVERY; i++) {
      f.h.pwrite(w.buf.clear(), w.nextOffset(f));
    }
    f.h.fsync();
  }

  // ---- small files ----

  /** Each thread creates its files in its own directory and unlinks them after each iteration. */
  @State(Scope.Thread)
  public static class SmallWorker {
    String dir;
    ByteBuffer buf;
    volatile long first;
    long next;

    @Setup(Level.Trial)
    public void start(Fs fs) throws IOException {
      int t = fs.threads.incrementAndGet();
      dir = fs.dir + "/small-t" + t;
      fs.fs.mkdir(dir);
      buf = pattern(fs.fs, SMALL, fs.random(t));
      fs.smallWorkers.add(this);
    }

    @TearDown(Level.Iteration)
    public void clean(Fs fs) throws IOException {
      for (long f = first; f < next; f++) {
        fs.fs.unlink(dir + "/f" + f);
        first = f + 1;
      }
    }
  }

  @Benchmark
  public void smallFile(Fs fs, SmallWorker w) throws IOException {
    try (FileTarget.Handle h = fs.fs.create(w.dir + "/f" + w.next++)) {
      h.write(w.buf.clear());
    }
  }
}
