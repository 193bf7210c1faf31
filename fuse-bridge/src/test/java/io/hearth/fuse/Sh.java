package io.hearth.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs real programs (bash -c) for the mount tests, bounded in time, with their output. */
public final class Sh {
  public record Result(int exit, String output) {
    public Result ok(String what) {
      if (exit != 0) {
        throw new AssertionError(what + " exited " + exit + ":\n" + output);
      }
      return this;
    }
  }

  private Sh() {}

  /** The checkout these tests run from: the first directory above the working one with scripts/. */
  public static Path repoRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("scripts/hearth"))) {
        return p;
      }
    }
    throw new AssertionError("no scripts/hearth above " + Path.of("").toAbsolutePath());
  }

  /**
   * The environment for running the repository's scripts from this JVM's class path and java
   * (scripts/hearth honours HEARTH_CLASSPATH): no jars need to be built.
   */
  public static Map<String, String> scriptEnv() {
    return Map.of(
        "HEARTH_CLASSPATH", System.getProperty("java.class.path"),
        "JAVA_HOME", System.getProperty("java.home"));
  }

  /** {@code bash -c script} in {@code dir}; stdout and stderr together. */
  public static Result run(Path dir, Duration timeout, String script)
      throws IOException, InterruptedException {
    return exec(dir, timeout, List.of("bash", "-c", script));
  }

  /** As another user: {@code setpriv} with the uid, gid and exactly these supplementary groups. */
  public static Result runAs(
      int uid, int gid, List<Integer> groups, Path dir, Duration timeout, String script)
      throws IOException, InterruptedException {
    String g =
        groups.isEmpty()
            ? "--clear-groups"
            : "--groups=" + String.join(",", groups.stream().map(String::valueOf).toList());
    return exec(
        dir,
        timeout,
        List.of(
            "setpriv", "--reuid=" + uid, "--regid=" + gid, g, "--reset-env", "bash", "-c", script));
  }

  private static Result exec(Path dir, Duration timeout, List<String> cmd)
      throws IOException, InterruptedException {
    return exec(dir, timeout, cmd, Map.of());
  }

  /**
   * {@code cmd} itself (no shell) in {@code dir}, its environment changed by {@code env}: a null
   * value removes the variable.
   */
  public static Result exec(Path dir, Duration timeout, List<String> cmd, Map<String, String> env)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    env.forEach(
        (k, v) -> {
          if (v == null) {
            pb.environment().remove(k);
          } else {
            pb.environment().put(k, v);
          }
        });
    Process p = pb.start();
    p.getOutputStream().close();
    var out = new java.io.ByteArrayOutputStream();
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    p.getInputStream().transferTo(out);
                  } catch (IOException ignored) {
                    // the process was killed
                  }
                });
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor();
      reader.join(1000);
      throw new AssertionError(
          "timed out after " + timeout + ": " + cmd + "\n" + out.toString(StandardCharsets.UTF_8));
    }
    reader.join();
    return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
  }
}
