package io.hearth.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.InProcessCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a mount starts and ends, with real processes: SIGTERM and fusermount3 -u end the bridge and
 * leave no dead mount behind; what was closed before the end is there after a remount; --daemon
 * returns once the mount is served and the daemon ends with umount; bad input fails fast with an
 * exit code and a message (2: usage, 1: the cluster).
 */
@Timeout(300)
class MountLifecycleTest {
  private static final Duration T = Duration.ofSeconds(60);

  /** SIGTERM or umount to exit: the stop unmounts, flushes and closes the client. */
  private static final Duration EXIT_BOUND = Duration.ofSeconds(15);

  /** An unreachable cluster is reported after the probe (15 s) plus JVM start. */
  private static final Duration UNREACHABLE_BOUND = Duration.ofSeconds(25);

  private static InProcessCluster cluster;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path tmp;

  @BeforeAll
  static void startCluster() throws IOException {
    cluster = new InProcessCluster(3);
  }

  @AfterAll
  static void stopCluster() throws IOException {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void sigtermUnmountsAndExits() throws Exception {
    Path mnt = tmp.resolve("mnt");
    try (BridgeProcess b = BridgeProcess.mount(cluster.spec(), mnt, "")) {
      Files.writeString(mnt.resolve("f"), "x");
      long t0 = System.nanoTime();
      Sh.run(tmp, T, "kill -TERM " + b.pid()).ok("kill -TERM");
      assertTrue(b.waitExit(EXIT_BOUND), "bridge alive after SIGTERM:\n" + b.logTail(40));
      System.out.println("SIGTERM to exit: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
      assertCleanExit(b);
      assertNoMount(mnt);
    }
  }

  /**
   * SIGTERM while a process holds the mount busy (its cwd and an open file there), as at shutdown
   * with a shell left in the mount: the bridge still ends, no dead mount is left, and what the
   * holder wrote is kept.
   */
  @Test
  void sigtermWhileBusy() throws Exception {
    Path mnt = tmp.resolve("mnt");
    try (BridgeProcess b = BridgeProcess.mount(cluster.spec(), mnt, "")) {
      Process holder =
          new ProcessBuilder("bash", "-c", "exec 3>held; printf data >&3; exec sleep 120")
              .directory(mnt.toFile())
              .redirectErrorStream(true)
              .start();
      try {
        waitFor(() -> Files.exists(mnt.resolve("held")), "holder's file");
        Sh.run(tmp, T, "kill -TERM " + b.pid()).ok("kill -TERM");
        assertTrue(b.waitExit(EXIT_BOUND), "bridge alive after SIGTERM:\n" + b.logTail(40));
        assertCleanExit(b);
        assertNull(MountTable.fstypeAt(mnt), "mount left at " + mnt + ":\n" + b.logTail(40));
      } finally {
        holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      assertNoMount(mnt);
    }
    // What the holder wrote but never closed was flushed by the stop.
    try (BridgeProcess b = BridgeProcess.mount(cluster.spec(), mnt, "")) {
      assertEquals("data", Files.readString(mnt.resolve("held")));
    }
  }

  @Test
  void fusermountUnmountEndsTheBridge() throws Exception {
    Path mnt = tmp.resolve("mnt");
    try (BridgeProcess b = BridgeProcess.mount(cluster.spec(), mnt, "")) {
      long t0 = System.nanoTime();
      Sh.run(tmp, T, "fusermount3 -u " + mnt).ok("fusermount3 -u");
      assertTrue(
          b.waitExit(Duration.ofSeconds(5)), "bridge alive after unmount:\n" + b.logTail(40));
      System.out.println("fusermount3 -u to exit: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
      assertEquals(0, b.process().exitValue(), b.logTail(40));
      assertNoMount(mnt);
    }
  }

  @Test
  void closedFileSurvivesSigtermAndRemount() throws Exception {
    Path mnt = tmp.resolve("mnt");
    byte[] data = new byte[(3 << 20) + 12345];
    new Random(7).nextBytes(data);
    try (BridgeProcess b = BridgeProcess.mount(cluster.spec(), mnt, "")) {
      Files.write(mnt.resolve("kept.bin"), data); // open, write, close: the close flushed it
      Sh.run(mnt, T, "printf 'line\\n' > kept.txt").ok("shell write");
      Sh.run(tmp, T, "kill -TERM " + b.pid()).ok("kill -TERM");
      assertTrue(b.waitExit(EXIT_BOUND), "bridge alive after SIGTERM:\n" + b.logTail(40));
      assertNoMount(mnt);
    }
    try (BridgeProcess b = BridgeProcess.mount(cluster.spec(), mnt, "")) {
      assertArrayEquals(data, Files.readAllBytes(mnt.resolve("kept.bin")));
      assertEquals("line\n", Files.readString(mnt.resolve("kept.txt")));
    }
  }

  /**
   * --daemon, run as a user would (java MountMain --daemon): returns 0 only once the mount is
   * served, by a process in its own session that outlives the command; umount ends it.
   */
  @Test
  void daemonReturnsOnceMountedAndEndsWithUmount() throws Exception {
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Path log = tmp.resolve("daemon.log");
    List<String> cmd = BridgeProcess.mountMainCommand();
    cmd.addAll(List.of("--daemon", "--cluster", cluster.spec(), "--log", log.toString()));
    cmd.add(mnt.toString());
    ProcessHandle daemon = null;
    try {
      Sh.Result r = Sh.exec(tmp, Duration.ofSeconds(150), cmd, Map.of());
      // Checked before anything else: the mount must be there the moment the command returned.
      boolean mountedOnReturn = MountTable.isHearthMount(mnt);
      daemon = daemonFrom(r.output(), mnt);
      assertEquals(0, r.exit(), r.output() + "\nlog:\n" + readOr(log));
      assertTrue(mountedOnReturn, "--daemon returned 0 before the mount was served");
      assertTrue(daemon.isAlive(), "the daemon is gone:\n" + readOr(log));
      assertEquals(
          daemon.pid(), sessionOf(daemon.pid()), "the daemon leads its own session (setsid)");
      Files.writeString(mnt.resolve("via-daemon"), "served");
      assertEquals("served", Files.readString(mnt.resolve("via-daemon")));

      long t0 = System.nanoTime();
      Sh.run(tmp, T, "umount " + mnt).ok("umount");
      daemon.onExit().get(EXIT_BOUND.toSeconds(), TimeUnit.SECONDS);
      System.out.println("umount to daemon exit: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
      assertNoMount(mnt);
    } finally {
      if (MountTable.fstypeAt(mnt) != null) {
        Sh.run(tmp, T, "fusermount3 -u -z " + mnt);
      }
      if (daemon != null && daemon.isAlive()) {
        daemon.destroyForcibly();
        daemon.onExit().get(20, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void badInputFailsWithExitCodeAndMessage() throws Exception {
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Path file = Files.writeString(tmp.resolve("a-file"), "not a dir");
    Map<String, String> noEnvCluster = new HashMap<>();
    noEnvCluster.put("HEARTH_CLUSTER", null);

    // The unreachable cases wait out the probe: run them while checking the quick ones.
    String nobody = "127.0.0.1:" + InProcessCluster.freePort();
    CompletableFuture<Timed> unreachable =
        CompletableFuture.supplyAsync(
            () -> timed(noEnvCluster, "--cluster", nobody, mnt.toString()), OWN_THREAD);
    Path mnt2 = Files.createDirectories(tmp.resolve("mnt2"));
    CompletableFuture<Timed> unreachableDaemon =
        CompletableFuture.supplyAsync(
            () ->
                timed(
                    noEnvCluster,
                    "--daemon",
                    "--log",
                    tmp.resolve("d.log").toString(),
                    "--cluster",
                    nobody,
                    mnt2.toString()),
            OWN_THREAD);

    Sh.Result r = mountMain(noEnvCluster, mnt.toString());
    assertEquals(2, r.exit(), r.output());
    assertTrue(r.output().contains("no cluster given"), r.output());

    r = mountMain(noEnvCluster, "--cluster", cluster.spec(), file.toString());
    assertEquals(2, r.exit(), r.output());
    assertTrue(r.output().contains("is not a directory"), r.output());

    r = mountMain(noEnvCluster, "--cluster", cluster.spec(), tmp.resolve("missing").toString());
    assertEquals(2, r.exit(), r.output());
    assertTrue(r.output().contains("mkdir it first"), r.output());

    r = mountMain(noEnvCluster, "--cluster", cluster.spec(), "-o", "attr_timeout=abc", "" + mnt);
    assertEquals(2, r.exit(), r.output());
    assertTrue(r.output().contains("attr_timeout=abc"), r.output());

    r = mountMain(noEnvCluster, "--cluster", "localhost", mnt.toString());
    assertEquals(2, r.exit(), "a cluster spec without a port is usage: " + r.output());

    for (CompletableFuture<Timed> f : List.of(unreachable, unreachableDaemon)) {
      Timed u = f.get(2 * UNREACHABLE_BOUND.toSeconds(), TimeUnit.SECONDS);
      System.out.println("unreachable cluster: exit " + u.r.exit() + " after " + u.ms + " ms");
      assertEquals(1, u.r.exit(), u.r.output());
      assertTrue(
          u.ms <= UNREACHABLE_BOUND.toMillis(), "took " + u.ms + " ms to fail:\n" + u.r.output());
      assertTrue(u.r.output().contains("are its servers running"), u.r.output());
    }
    assertNoMount(mnt);
    assertNoMount(mnt2);
  }

  /** The common pool may have one thread (two cores): each slow check gets its own. */
  private static final java.util.concurrent.Executor OWN_THREAD = r -> Thread.ofPlatform().start(r);

  private record Timed(Sh.Result r, long ms) {}

  private static Timed timed(Map<String, String> env, String... args) {
    long t0 = System.nanoTime();
    try {
      Sh.Result r = mountMain(env, args);
      return new Timed(r, (System.nanoTime() - t0) / 1_000_000);
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Sh.Result mountMain(Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(BridgeProcess.mountMainCommand());
    cmd.addAll(List.of(args));
    return Sh.exec(Path.of("/"), Duration.ofSeconds(90), cmd, env);
  }

  private static void assertCleanExit(BridgeProcess b) {
    int code = b.process().exitValue();
    assertTrue(code == 0 || code == 143, "exit " + code + " on SIGTERM:\n" + b.logTail(40));
  }

  /** Nothing mounted there any more, and the directory answers (no dead FUSE mount). */
  private void assertNoMount(Path mnt) throws Exception {
    assertNull(MountTable.fstypeAt(mnt), "still mounted: " + mnt);
    Sh.Result st = Sh.run(tmp, T, "stat " + mnt + " && ls -a " + mnt);
    assertFalse(st.output().contains("not connected"), st.output());
    st.ok("stat of the former mountpoint");
  }

  /** The daemon's pid, from "pid N" in the command's output, checked to be the mount process. */
  private static ProcessHandle daemonFrom(String output, Path mnt) {
    Matcher m = Pattern.compile("\\(pid (\\d+),").matcher(output);
    assertTrue(m.find(), "no pid in: " + output);
    ProcessHandle h =
        ProcessHandle.of(Long.parseLong(m.group(1)))
            .orElseThrow(() -> new AssertionError("no process " + m.group(1) + ": " + output));
    String args = String.join(" ", h.info().arguments().orElse(new String[0]));
    assertTrue(
        args.contains(MountMain.class.getName()) && args.contains(mnt.toString()),
        "pid " + h.pid() + " is not the mount process: " + args);
    return h;
  }

  /** Field 6 of /proc/PID/stat (after the parenthesised command name). */
  private static long sessionOf(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[3]); // state ppid pgrp session
  }

  private static String readOr(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return "(" + e + ")";
    }
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  private static void waitFor(Check c, String what) throws Exception {
    long deadline = System.nanoTime() + T.toNanos();
    while (!c.ok()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + what + " within " + T);
      }
      Thread.sleep(50);
    }
  }
}
