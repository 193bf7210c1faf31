package io.hearth.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A {@code hearth mount} running as its own process (a "node" of the cluster's users), for tests.
 * Starts the real MountMain on this JVM's class path, waits until the kernel serves the mount, and
 * on {@link #close} unmounts and ends it whatever state it is in, so a failing test leaves no mount
 * and no process behind (a JVM shutdown hook covers tests that never reach close).
 */
public final class BridgeProcess implements AutoCloseable {
  static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(60);
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
  private static final Set<BridgeProcess> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(BridgeProcess::close)));
  }

  private final Path mountpoint;
  private final Path log;
  private final Process process;

  private BridgeProcess(Path mountpoint, Path log, Process process) {
    this.mountpoint = mountpoint;
    this.log = log;
    this.process = process;
  }

  /** Mounts {@code cluster} at {@code mountpoint} (created if missing) with {@code -o options}. */
  public static BridgeProcess mount(String cluster, Path mountpoint, String options)
      throws IOException, InterruptedException {
    Files.createDirectories(mountpoint);
    Path log = mountpoint.resolveSibling(mountpoint.getFileName() + ".bridge.log");
    long logStart = Files.exists(log) ? Files.size(log) : 0;
    List<String> cmd = mountMainCommand();
    cmd.add("--cluster");
    cmd.add(cluster);
    if (options != null && !options.isEmpty()) {
      cmd.add("-o");
      cmd.add(options);
    }
    cmd.add(mountpoint.toString());
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    BridgeProcess b = new BridgeProcess(mountpoint, log, p);
    LIVE.add(b);
    long deadline = System.nanoTime() + MOUNT_TIMEOUT.toNanos();
    // Served once the bridge says so: the kernel lists the mount a little earlier, while the
    // bridge still probes it, and an umount then fails with EBUSY.
    while (!MountTable.isHearthMount(mountpoint) || !b.announced(logStart)) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        b.close();
        throw new IOException("mount of " + mountpoint + " failed; bridge log:\n" + b.logTail(40));
      }
      Thread.sleep(50);
    }
    return b;
  }

  /** {@code java ... MountMain}: this JVM's java and class path; the caller appends arguments. */
  public static List<String> mountMainCommand() {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("--sun-misc-unsafe-memory-access=allow");
    cmd.add("-Xmx1g");
    // HEARTH_TEST_BRIDGE_LOG_LEVEL=debug logs every FUSE operation with its time (for a stall).
    String level = System.getenv("HEARTH_TEST_BRIDGE_LOG_LEVEL");
    if (level != null && level.matches("trace|debug|info|warn|error")) {
      cmd.add("-Dhearth.log.level=" + level); // logback-test.xml: WARN otherwise
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(MountMain.class.getName());
    return cmd;
  }

  private boolean announced(long logStart) throws IOException {
    byte[] all = Files.readAllBytes(log);
    return all.length > logStart
        && new String(all, (int) logStart, all.length - (int) logStart, StandardCharsets.UTF_8)
            .contains(MountMain.MOUNTED);
  }

  /** The bridge's output (stdout and stderr), appended to across mounts at one mountpoint. */
  public Path log() {
    return log;
  }

  public Path mountpoint() {
    return mountpoint;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Process process() {
    return process;
  }

  /** Waits for the bridge to exit by itself; true if it did within the timeout. */
  public boolean waitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Unmounts (lazily, even if busy) and stops the process; safe to call in any state. */
  @Override
  public void close() {
    LIVE.remove(this);
    try {
      if (MountTable.fstypeAt(mountpoint) != null) {
        new ProcessBuilder("fusermount3", "-u", "-z", mountpoint.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start()
            .waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
