package io.hearth.fuse;

import io.hearth.client.ClusterSpec;
import io.hearth.client.HearthClient;
import io.hearth.client.Stat;
import io.hearth.protocol.HearthException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hearth mount}: mounts a Hearth cluster with FUSE, in the foreground or as a daemon. */
@Command(
    name = "hearth mount",
    mixinStandardHelpOptions = true,
    description = {
      "Mounts a Hearth cluster at MOUNTPOINT through FUSE. Runs in the foreground until unmounted"
          + " (umount, fusermount3 -u) or stopped (SIGTERM); with --daemon it returns once the"
          + " mount is ready and keeps serving it in the background.",
      "",
      "Options (-o, comma-separated, may repeat):",
      "  allow_other, default_permissions, ro   passed to FUSE (multi-user homes want the first two)",
      "  attr_timeout=S entry_timeout=S negative_timeout=S   kernel cache times (default 1 s each)",
      "  readahead_kb=N   kernel readahead (default 1024)",
      "  max_write=BYTES  largest write request (default 1048576)",
      "  writeback_cache  let the kernel buffer writes too (default off)",
      "  threads=N        requests served at once (default 16)",
      "  session_ttl=S    how long the cluster keeps this mount's locks once it stops hearing from"
          + " it (default 10 s; 1 to 300)",
      "  locks=cluster|local   fcntl and flock locks held across every mount (default) or this"
          + " mount only",
      "  no_lock_leases   every lock call asks the cluster (default: a file no other mount locks"
          + " is leased here, its lock calls cost no round trip)",
      "  fstab words (defaults, _netdev, nofail, noauto, x-systemd.*) are ignored."
    })
public final class MountMain implements Callable<Integer> {
  static final long PROBE_TIMEOUT_MS = 15_000;

  /** Printed once the mount is served; --daemon and the tests wait for it. */
  static final String MOUNTED = "hearth: mounted ";

  /** The system property naming the file the log rotates in (logback.xml); --daemon sets it. */
  static final String LOG_FILE_PROPERTY = "hearth.log.file";

  /** How --daemon's child is told where to say it is mounted (Daemon says why not in its log). */
  static final String READY_FILE_OPTION = "--ready-file";

  private static final Logger LOG = LoggerFactory.getLogger(MountMain.class);

  @Option(
      names = "--cluster",
      paramLabel = "HOST:PORT,...",
      description = "Servers of the cluster (default: $HEARTH_CLUSTER).")
  String cluster;

  @Option(names = "-o", paramLabel = "OPTS", description = "Mount options (see above).")
  List<String> options = new ArrayList<>();

  @Option(names = "--daemon", description = "Return once mounted; serve in the background.")
  boolean daemon;

  @Option(
      names = "--log",
      paramLabel = "FILE",
      description =
          "With --daemon: where the background process logs (default under /var/log/hearth);"
              + " a new file each day and at 64 MiB, 7 days and 1 GiB kept.")
  Path log;

  @Option(names = READY_FILE_OPTION, hidden = true, description = "Written once mounted.")
  Path readyFile;

  @Parameters(index = "0", paramLabel = "MOUNTPOINT", description = "An existing directory.")
  Path mountpoint;

  private final List<String> rawArgs;

  MountMain(List<String> rawArgs) {
    this.rawArgs = List.copyOf(rawArgs);
  }

  public static void main(String[] args) {
    // gRPC (shaded in Ratis) logs through java.util.logging, in a format of its own on stderr.
    // What it passes on is what JUL lets through, INFO and up: the JDK's and gRPC's own debug
    // output (a stack trace at every ProcessBuilder.start) stays out even at DEBUG.
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    io.hearth.client.CommonPool.widen();
    System.exit(new CommandLine(new MountMain(List.of(args))).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    String spec = cluster != null ? cluster : System.getenv("HEARTH_CLUSTER");
    if (spec == null || spec.isBlank()) {
      return fail(2, "no cluster given: pass --cluster host:port,... or set HEARTH_CLUSTER");
    }
    ClusterSpec members;
    try {
      members = ClusterSpec.parse(spec); // a typo is usage (2), and --daemon reports it too
    } catch (HearthException e) {
      return fail(2, e.getMessage());
    }
    MountOptions opts;
    try {
      opts = MountOptions.parse(options);
    } catch (IllegalArgumentException e) {
      return fail(2, e.getMessage());
    }
    Path dir = mountpoint.toAbsolutePath().normalize();
    if (MountTable.isHearthMount(dir)) {
      return fail(1, dir + " is already a Hearth mount (umount it first)");
    }
    if (!Files.isDirectory(dir)) {
      return fail(
          2,
          dir
              + " is not a directory"
              + (MountTable.fstypeAt(dir) != null
                  ? " (a dead mount is left there: fusermount3 -u " + dir + ")"
                  : ": mkdir it first"));
    }
    if (daemon) {
      return Daemon.spawn(dir, log, rawArgs);
    }
    HearthClient client;
    try {
      client =
          HearthClient.connect(
              members,
              new HearthClient.SessionOptions(
                  dir.toString(), opts.sessionTtlMs(), opts.lockLeases()));
      probe(client, spec);
    } catch (Exception e) {
      return fail(1, e.getMessage());
    }
    Mounted m = Mounted.start(client, dir, opts);
    Runtime.getRuntime().addShutdownHook(new Thread(m::stop, "hearth-mount-stop"));
    say(false, MOUNTED + spec + " at " + dir);
    if (readyFile != null) {
      Files.writeString(readyFile, MOUNTED + spec + " at " + dir + "\n");
    }
    m.awaitStopped();
    return 0;
  }

  /** Fails fast, with what to do, when no server answers. */
  private static void probe(HearthClient client, String spec) throws Exception {
    try {
      Stat root = client.statAsync("/").get(PROBE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      if (!root.isDir()) {
        throw new IllegalStateException("the cluster's root is not a directory");
      }
    } catch (TimeoutException e) {
      client.close();
      throw new IllegalStateException(
          "no answer from the cluster at "
              + spec
              + " within "
              + PROBE_TIMEOUT_MS / 1000
              + " s: are its servers running (hearth server, scripts/local-cluster status)?");
    } catch (ExecutionException e) {
      client.close();
      throw new IllegalStateException("cannot reach " + spec + ": " + e.getCause().getMessage());
    }
  }

  private static int fail(int code, String message) {
    say(true, "hearth mount: " + message);
    return code;
  }

  /**
   * To stdout or stderr, or into the log when it goes to a file: this process's stdout and stderr
   * then still point at the file as it was at start, which the first rotation moves away.
   */
  private static void say(boolean error, String line) {
    if (System.getProperty(LOG_FILE_PROPERTY) == null) {
      PrintStream out = error ? System.err : System.out;
      out.println(line);
      out.flush();
    } else if (error) {
      LOG.error(line);
    } else {
      LOG.info(line);
    }
  }
}
