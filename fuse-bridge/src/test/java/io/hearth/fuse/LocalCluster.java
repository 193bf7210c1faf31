package io.hearth.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A cluster run by {@code scripts/local-cluster} in a temporary directory, its servers started from
 * this JVM's class path: what an operator gets, driven by the same script. {@link #close} stops the
 * servers and deletes the directory in any state; a JVM shutdown hook stops them if the test run is
 * aborted (the script starts them with setsid, so they would outlive it).
 */
final class LocalCluster implements AutoCloseable {
  static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(240);
  private static final Pattern SPEC = Pattern.compile("(?m)^HEARTH_CLUSTER=(\\S+)$");

  private final Path dir;
  private final Path repo = Sh.repoRoot();
  private final Thread reaper;
  private String spec;

  private LocalCluster(Path dir) {
    this.dir = dir;
    this.reaper = new Thread(this::stopQuietly, "local-cluster-reaper");
  }

  /** {@code local-cluster start --nodes n} in a new temporary directory. */
  static LocalCluster start(int nodes) throws IOException, InterruptedException {
    LocalCluster c = new LocalCluster(Files.createTempDirectory("hearth-local-cluster-"));
    Runtime.getRuntime().addShutdownHook(c.reaper);
    try {
      Sh.Result r = c.run("start", "--nodes", String.valueOf(nodes)).ok("local-cluster start");
      c.spec = specIn(r.output());
    } catch (Throwable t) {
      c.close();
      throw t;
    }
    return c;
  }

  /** host:port,... of the nodes, as printed by start. */
  String spec() {
    return spec;
  }

  Path dir() {
    return dir;
  }

  /** {@code local-cluster ACTION --dir DIR args...}, bounded by {@link #SCRIPT_TIMEOUT}. */
  Sh.Result run(String action, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(repo.resolve("scripts/local-cluster").toString());
    cmd.add(action);
    cmd.add("--dir");
    cmd.add(dir.toString());
    cmd.addAll(List.of(args));
    return Sh.exec(repo, SCRIPT_TIMEOUT, cmd, Sh.scriptEnv());
  }

  static String specIn(String output) {
    Matcher m = SPEC.matcher(output);
    if (!m.find()) {
      throw new AssertionError("no HEARTH_CLUSTER= line in:\n" + output);
    }
    return m.group(1);
  }

  /** Prints each node's log tail and keeps the logs under target/cluster-logs/{@code name}. */
  void dumpLogs(String name) {
    try (Stream<Path> s = Files.list(dir)) {
      Path keep = Path.of("target", "cluster-logs", name);
      Files.createDirectories(keep);
      for (Path log : s.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
        List<String> lines = Files.readAllLines(log);
        System.out.println("---- " + log + " (last 40 lines)");
        lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(System.out::println);
        Files.copy(log, keep.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
      System.out.println("==== node logs kept in " + keep.toAbsolutePath());
    } catch (IOException e) {
      System.out.println("(no node logs: " + e + ")");
    }
  }

  private void stopQuietly() {
    try {
      if (Files.exists(dir.resolve("cluster.env"))) {
        Sh.Result r = run("stop");
        if (r.exit() != 0) {
          System.out.println("local-cluster stop exited " + r.exit() + ":\n" + r.output());
        }
      }
    } catch (IOException | RuntimeException | AssertionError e) {
      System.out.println("local-cluster stop failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the servers (SIGTERM, then SIGKILL, by the script) and deletes the directory. */
  @Override
  public void close() throws IOException {
    stopQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs or ran
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
