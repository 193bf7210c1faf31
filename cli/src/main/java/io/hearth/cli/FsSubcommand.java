package io.hearth.cli;

import io.hearth.client.ClusterSpec;
import io.hearth.client.HearthClient;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The frame of every {@code hearth fs} command: connects to the cluster, runs the command's body
 * within the --timeout deadline, and reports failures the way coreutils does, one line per failed
 * path ({@code hearth fs mkdir: /a: EEXIST (File exists)}), going on with the other paths.
 *
 * <p>The body runs on its own (virtual) thread so that a cluster that never answers cannot hold the
 * command past its deadline: on timeout the client is closed, which fails whatever is pending.
 */
abstract class FsSubcommand implements Callable<Integer> {
  /**
   * Errnos about the cluster (or the local side) rather than the path: their detail says what to
   * check. ENOSYS: servers older than this client, which do not know the operation.
   */
  private static final Set<Errno> DETAILED =
      EnumSet.of(Errno.EIO, Errno.ETIMEDOUT, Errno.EHOSTUNREACH, Errno.ENOSYS);

  @Spec CommandSpec spec;
  @Mixin ClusterOptions cluster;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "30",
      description =
          "Give up when the cluster has not answered (or a copy has not moved) for this many seconds (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  PrintWriter out;
  PrintWriter err;
  private volatile boolean failed;
  private volatile boolean abandoned;
  private volatile long lastProgressNs;
  // Only the body's thread changes it; the waiting thread reads it.
  private volatile int localIo;

  /** The command's work; report per-path failures with {@link #fail} and go on. */
  abstract void run(HearthClient c) throws HearthException;

  /** Argument checks that need no cluster; throw {@link #usage} for a bad one. */
  void check() {}

  @Override
  public final Integer call() throws Exception {
    out = spec.commandLine().getOut();
    err = spec.commandLine().getErr();
    ClusterSpec where = cluster.spec(spec.commandLine());
    if (timeoutSeconds <= 0) {
      throw usage("--timeout must be a positive number of seconds");
    }
    check();
    HearthClient c = HearthClient.connect(where);
    FutureTask<Void> body =
        new FutureTask<>(
            () -> {
              run(c);
              return null;
            });
    progressed();
    Thread.ofVirtual().name("hearth-fs").start(body);
    try {
      awaitWhileProgressing(body);
    } catch (TimeoutException e) {
      fail(
          null,
          new HearthException(
              Errno.ETIMEDOUT,
              "no answer from the cluster within "
                  + timeoutSeconds
                  + " s; check it with 'hearth admin status'"));
      abandoned = true;
    } catch (ExecutionException e) {
      switch (e.getCause()) {
        case HearthException h -> fail(null, h);
        case ParameterException p -> throw p;
        case Exception x -> throw x;
        default -> throw e;
      }
    } finally {
      body.cancel(true);
      closeQuietly(c);
    }
    out.flush();
    err.flush();
    return failed ? HearthCli.EXIT_FAILED : 0;
  }

  /**
   * Waits for the body; gives up once it has made no progress for --timeout seconds. Time spent in
   * {@link #local} I/O (a slow pipe, a paused pager) does not count: the deadline is the cluster's.
   */
  private void awaitWhileProgressing(FutureTask<Void> body)
      throws TimeoutException, ExecutionException, InterruptedException {
    long timeoutNs = TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (true) {
      long left = localIo > 0 ? timeoutNs : lastProgressNs + timeoutNs - System.nanoTime();
      try {
        body.get(Math.max(left, 1), TimeUnit.NANOSECONDS);
        return;
      } catch (TimeoutException e) {
        if (localIo == 0 && System.nanoTime() - lastProgressNs >= timeoutNs) {
          throw e;
        }
      }
    }
  }

  /** Restarts the --timeout clock: a long transfer is cut off only when it stalls. */
  void progressed() {
    lastProgressNs = System.nanoTime();
  }

  interface LocalIo<T> {
    T call() throws IOException;
  }

  /** Runs local (non-cluster) I/O, which may block as long as it likes without timing out. */
  <T> T local(LocalIo<T> io) throws IOException {
    localIo++;
    try {
      return io.call();
    } finally {
      localIo--;
      progressed();
    }
  }

  private static void closeQuietly(HearthClient c) {
    try {
      c.close();
    } catch (IOException e) {
      // nothing left to tell the user: the command's own outcome is already decided
    }
  }

  /** Reports one failure; {@code path} may be null when the failure is not about one path. */
  void fail(String path, HearthException e) {
    if (abandoned) {
      return;
    }
    failed = true;
    StringBuilder b = new StringBuilder(spec.qualifiedName()).append(": ");
    if (path != null) {
      b.append(path).append(": ");
    }
    b.append(e.errno().name()).append(" (").append(e.errno().description()).append(')');
    if (DETAILED.contains(e.errno())) {
      b.append(": ").append(e.detail());
    }
    err.println(b);
  }

  /** The command failed in a way the user needs no message about (its stdout reader left). */
  void failQuietly() {
    failed = true;
  }

  ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  interface PathOp {
    void apply(String path) throws HearthException;
  }

  /** Runs {@code op} on each path, reporting a failure and going on with the next. */
  void forEach(List<String> paths, PathOp op) {
    for (String p : paths) {
      try {
        op.apply(p);
      } catch (HearthException e) {
        fail(p, e);
      }
    }
  }

  /**
   * True when {@code path} names a directory (following symlinks); false when it does not exist.
   */
  static boolean isDir(HearthClient c, String path) throws HearthException {
    try {
      return c.stat(path).isDir();
    } catch (HearthException e) {
      if (e.errno() == Errno.ENOENT) {
        return false;
      }
      throw e;
    }
  }

  interface PairOp {
    void apply(String source, String dest) throws HearthException;
  }

  /**
   * For mv and ln, whose last operand is the destination: {@code SRC DEST} names DEST itself unless
   * it is a directory; {@code SRC... DIR} puts each source's last name into DIR, which must be a
   * directory. A failure is reported as "SRC -> DEST" and the next source is tried.
   */
  void eachIntoDestination(HearthClient c, List<String> operands, PairOp op)
      throws HearthException {
    List<String> sources = operands.subList(0, operands.size() - 1);
    String dest = operands.getLast();
    boolean intoDir = isDir(c, dest);
    if (!intoDir && sources.size() > 1) {
      throw new HearthException(Errno.ENOTDIR, "target '" + dest + "' is not a directory");
    }
    for (String source : sources) {
      String target = intoDir ? PathNames.child(dest, PathNames.basename(source)) : dest;
      try {
        op.apply(source, target);
      } catch (HearthException e) {
        fail(source + " -> " + target, e);
      }
    }
  }
}
