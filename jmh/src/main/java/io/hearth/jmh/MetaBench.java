package io.hearth.jmh;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Namespace operations, one at a time per thread, on Hearth (3-node loopback cluster) and on the
 * local disk in the same run. Sample mode gives p50/p99 latency; throughput for N threads is N over
 * the mean latency (each thread is a closed loop). Run with -t 1 and -t 16: scripts/bench-meta.
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
public class MetaBench {

  /** The file system under test, shared by all threads. */
  @State(Scope.Benchmark)
  public static class Fs {
    @Param({"local", "hearth"})
    public String target;

    Target fs;
    final AtomicInteger threads = new AtomicInteger();

    @Setup(Level.Trial)
    public void start() throws IOException {
      fs = "hearth".equals(target) ? new HearthTarget() : new LocalTarget();
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
      fs.close();
    }
  }

  /** Each thread works in its own directory, with its own counter, so names never collide. */
  @State(Scope.Thread)
  public static class Worker {
    String dir;
    long n;
    String statPath;
    String renamePath;
    String toUnlink;

    @Setup(Level.Trial)
    public void start(Fs fs) throws IOException {
      dir = "/t" + fs.threads.incrementAndGet() + "-" + System.nanoTime();
      fs.fs.mkdir(dir);
      statPath = dir + "/stat-me";
      fs.fs.create(statPath);
      renamePath = dir + "/r0";
      fs.fs.create(renamePath);
    }

    String next(String kind) {
      return dir + "/" + kind + (n++);
    }
  }

  /** A file to remove, made before each unlink and outside its measurement. */
  @State(Scope.Thread)
  public static class Victim {
    String path;

    @Setup(Level.Invocation)
    public void make(Fs fs, Worker w) throws IOException {
      path = w.next("u");
      fs.fs.create(path);
    }
  }

  @Benchmark
  public void create(Fs fs, Worker w) throws IOException {
    fs.fs.create(w.next("f"));
  }

  @Benchmark
  public void mkdir(Fs fs, Worker w) throws IOException {
    fs.fs.mkdir(w.next("d"));
  }

  @Benchmark
  public void stat(Fs fs, Worker w) throws IOException {
    fs.fs.stat(w.statPath);
  }

  @Benchmark
  public void rename(Fs fs, Worker w) throws IOException {
    String to = w.next("r");
    fs.fs.rename(w.renamePath, to);
    w.renamePath = to;
  }

  @Benchmark
  public void unlink(Fs fs, Victim v) throws IOException {
    fs.fs.unlink(v.path);
  }
}
