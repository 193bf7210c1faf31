package io.hearth.fuse;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code hearth mount --daemon}: starts the same mount command again as a background process in its
 * own session (so closing the terminal does not end it), logging to a file, and waits until the
 * mount is served or the child gives up.
 *
 * <p>The child logs through logback into that file ({@code -Dhearth.log.file}), which rotates it;
 * its stdout and stderr are appended to the same file, for what the JVM or libfuse print outside
 * the log (a crash, fusermount3's complaint). Those keep writing to the file as it was at start
 * after a rotation, so the child says what it has to say through the log (MountMain#say), and tells
 * this process that it is mounted in a file of its own rather than in its log, where the level
 * asked for (HEARTH_LOG_LEVEL=warn) or a rotation could hide it.
 */
final class Daemon {
  static final long READY_TIMEOUT_MS = 120_000;
  static final long POLL_MS = 100;
  static final int LOG_TAIL_LINES = 20;

  private Daemon() {}

  static int spawn(Path mountpoint, Path log, List<String> args)
      throws IOException, InterruptedException {
    String logProperty = System.getProperty(MountMain.LOG_FILE_PROPERTY);
    Path logFile =
        (log != null ? log : logProperty != null ? Path.of(logProperty) : defaultLog(mountpoint))
            .toAbsolutePath();
    Files.createDirectories(logFile.getParent());
    if (Files.exists(logFile)) {
      // A log last written on an earlier day is rotated at the child's first log line, and what
      // the child printed before that line (to the stdout given below) would go with it.
      Files.setLastModifiedTime(logFile, FileTime.fromMillis(System.currentTimeMillis()));
    }
    Path ready = Files.createTempFile("hearth-mount-", ".ready");
    try {
      List<String> cmd = new ArrayList<>();
      cmd.add("setsid");
      cmd.add(ProcessHandle.current().info().command().orElse("java"));
      cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
      cmd.add("-D" + MountMain.LOG_FILE_PROPERTY + "=" + logFile); // after them: this one wins
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(MountMain.class.getName());
      cmd.add(MountMain.READY_FILE_OPTION); // first: after a "--" it would be a mount point
      cmd.add(ready.toString());
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
      return await(mountpoint, logFile, ready, child);
    } finally {
      Files.deleteIfExists(ready);
    }
  }

  /**
   * Waits for the child to say it is mounted (the kernel lists the mount before the child has
   * finished starting it: INIT is answered, the readahead is set, and an umount in that window
   * fails with EBUSY), to exit, or for the timeout.
   */
  private static int await(Path mountpoint, Path logFile, Path ready, Process child)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT_MS * 1_000_000L;
    while (System.nanoTime() < deadline) {
      if (Files.size(ready) > 0 && MountTable.isHearthMount(mountpoint)) {
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
