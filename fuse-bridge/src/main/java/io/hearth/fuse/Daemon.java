package io.hearth.fuse;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code hearth mount --daemon}: starts the same mount command again as a background process in its
 * own session (so closing the terminal does not end it), logging to a file, and waits until the
 * mount is served or the child gives up.
 */
final class Daemon {
  static final long READY_TIMEOUT_MS = 120_000;
  static final long POLL_MS = 100;
  static final int LOG_TAIL_LINES = 20;

  /** How much of the child's log is searched for its "mounted" line (it comes early). */
  static final int ANNOUNCE_SCAN_BYTES = 1 << 20;

  private Daemon() {}

  static int spawn(Path mountpoint, Path log, List<String> args)
      throws IOException, InterruptedException {
    Path logFile = log != null ? log : defaultLog(mountpoint);
    Files.createDirectories(logFile.toAbsolutePath().getParent());
    long logStart = Files.exists(logFile) ? Files.size(logFile) : 0;
    List<String> cmd = new ArrayList<>();
    cmd.add("setsid");
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(MountMain.class.getName());
    for (String a : args) {
      if (!a.equals("--daemon")) {
        cmd.add(a);
      }
    }
    Process child =
        new ProcessBuilder(cmd)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
            .redirectErrorStream(true)
            .start();
    long deadline = System.nanoTime() + READY_TIMEOUT_MS * 1_000_000L;
    while (System.nanoTime() < deadline) {
      if (MountTable.isHearthMount(mountpoint) && announced(logFile, logStart)) {
        System.out.println(
            "hearth: mounted at " + mountpoint + " (pid " + child.pid() + ", log " + logFile + ")");
        return 0;
      }
      if (!child.isAlive()) {
        System.err.println("hearth mount: the mount process exited; its log (" + logFile + "):");
        tail(logFile);
        return 1;
      }
      Thread.sleep(POLL_MS);
    }
    child.destroy();
    System.err.println(
        "hearth mount: not mounted after " + READY_TIMEOUT_MS / 1000 + " s; log: " + logFile);
    tail(logFile);
    return 1;
  }

  /**
   * Whether the child printed {@link MountMain#MOUNTED} since {@code from}: the kernel lists the
   * mount before the child has finished starting it (jfuse probes it, the readahead is set), and an
   * umount in that window fails with EBUSY, so "mounted" waits for the child's own word.
   */
  private static boolean announced(Path logFile, long from) throws IOException {
    try (FileChannel ch = FileChannel.open(logFile)) {
      long size = ch.size();
      if (size <= from) {
        return false;
      }
      ByteBuffer buf = ByteBuffer.allocate((int) Math.min(size - from, ANNOUNCE_SCAN_BYTES));
      ch.read(buf, from);
      return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8)
          .contains(MountMain.MOUNTED);
    }
  }

  private static Path defaultLog(Path mountpoint) {
    String name = "mount" + mountpoint.toString().replace('/', '-') + ".log";
    Path dir = Path.of("/var/log/hearth");
    if (Files.isWritable(dir) || (!Files.exists(dir) && Files.isWritable(dir.getParent()))) {
      return dir.resolve(name);
    }
    return Path.of(System.getProperty("java.io.tmpdir"), "hearth-" + name);
  }

  private static void tail(Path logFile) throws IOException {
    List<String> lines = Files.readAllLines(logFile);
    lines
        .subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())
        .forEach(System.err::println);
  }
}
