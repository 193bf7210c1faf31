package io.hearth.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.InProcessCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * mount(8) with type hearth, through the real helper: /sbin/mount.hearth (a symlink to
 * scripts/mount.hearth, made by scripts/install-mount-helper) runs scripts/hearth mount --daemon.
 * An fstab line (read from a temporary file with mount --fstab) and mount -t hearth both give a
 * served mount with their options, and umount ends the daemon.
 *
 * <p>The helper runs from this test's class path (HEARTH_CLASSPATH, which scripts/hearth honours
 * instead of the built jars) and JVM (JAVA_HOME), so nothing needs to be packaged first. The
 * /sbin/mount.hearth link is made if missing and removed afterwards; one pointing to another
 * checkout is replaced for the test and put back.
 */
@Timeout(300)
class FstabMountTest {
  private static final Path HELPER = Path.of("/sbin/mount.hearth");
  private static final Duration T = Duration.ofSeconds(150);
  private static final Duration EXIT_BOUND = Duration.ofSeconds(15);

  private static InProcessCluster cluster;
  private static Path repo;

  /** Where /sbin/mount.hearth pointed before the test; null when there was none. */
  private static Path previousTarget;

  @TempDir Path tmp;

  @BeforeAll
  static void setUp() throws Exception {
    repo = Sh.repoRoot();
    Path script = repo.resolve("scripts/mount.hearth");
    if (Files.exists(HELPER, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      assertTrue(
          Files.isSymbolicLink(HELPER), HELPER + " is not a symlink: not touching it; remove it");
      previousTarget = Files.readSymbolicLink(HELPER);
    }
    Sh.run(repo, T, "scripts/install-mount-helper").ok("install-mount-helper");
    assertEquals(script, Files.readSymbolicLink(HELPER));
    cluster = new InProcessCluster(3);
  }

  @AfterAll
  static void tearDown() throws Exception {
    try {
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      if (previousTarget == null) {
        Sh.run(repo, T, "scripts/install-mount-helper --remove").ok("remove the helper");
      } else if (!previousTarget.equals(Files.readSymbolicLink(HELPER))) {
        Files.delete(HELPER);
        Files.createSymbolicLink(HELPER, previousTarget);
      }
    }
  }

  @Test
  void fstabLineMountsAndUmountEndsTheDaemon() throws Exception {
    Path mnt = Files.createDirectories(tmp.resolve("fstab mnt")); // a space: fstab writes \040
    Path fstab = tmp.resolve("fstab");
    Files.writeString(
        fstab,
        "# a test fstab\n"
            + cluster.spec()
            + "  "
            + mnt.toString().replace(" ", "\\040")
            + "  hearth  _netdev,allow_other,default_permissions  0  0\n");
    Mount m = mount(List.of("mount", "--fstab", fstab.toString(), mnt.toString()), mnt);
    try {
      String superOptions = superOptions(mnt);
      assertTrue(
          superOptions.contains("allow_other") && superOptions.contains("default_permissions"),
          "the fstab options reach FUSE: " + superOptions);
      Sh.run(mnt, T, "printf 'via fstab' > f && cat f && ls -l f").ok("write and read");
      assertEquals("via fstab", Files.readString(mnt.resolve("f")));
      umountEnds(m);
    } finally {
      m.cleanUp();
    }
  }

  /** mount -t hearth, then umount at once: the helper returns only when umount can succeed. */
  @Test
  void mountTypeHearthThenUmountAtOnce() throws Exception {
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Mount m =
        mount(
            List.of("mount", "-t", "hearth", cluster.spec(), mnt.toString(), "-o", "allow_other"),
            mnt);
    try {
      assertTrue(superOptions(mnt).contains("allow_other"), superOptions(mnt));
      umountEnds(m);
    } finally {
      m.cleanUp();
    }
  }

  @Test
  void badSpecFailsWithTheMessage() throws Exception {
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Sh.Result r =
        Sh.exec(
            tmp, T, List.of("mount", "-t", "hearth", "no-port", mnt.toString()), Sh.scriptEnv());
    assertNotEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains("cluster member 'no-port': expected host:port"), r.output());
    assertNull(MountTable.fstypeAt(mnt));
  }

  // ---- helpers ----

  /** A mount made by mount(8), its daemon, and the daemon's log. */
  private record Mount(Path mnt, ProcessHandle daemon, Path log) {
    void cleanUp() throws Exception {
      if (MountTable.fstypeAt(mnt) != null) {
        Sh.run(mnt.getParent(), T, "fusermount3 -u -z '" + mnt + "'");
      }
      if (daemon.isAlive()) {
        daemon.destroyForcibly();
        daemon.onExit().get(20, TimeUnit.SECONDS);
      }
      Files.deleteIfExists(log);
    }
  }

  private Mount mount(List<String> cmd, Path mnt) throws Exception {
    Sh.Result r = Sh.exec(tmp, T, cmd, Sh.scriptEnv());
    boolean served = MountTable.isHearthMount(mnt);
    Matcher m = Pattern.compile("\\(pid (\\d+), log (.+)\\)").matcher(r.output());
    if (!m.find()) {
      if (served) {
        Sh.run(tmp, T, "fusermount3 -u -z '" + mnt + "'");
      }
      throw new AssertionError(cmd + " exited " + r.exit() + ":\n" + r.output());
    }
    ProcessHandle daemon =
        ProcessHandle.of(Long.parseLong(m.group(1)))
            .orElseThrow(() -> new AssertionError("no daemon process: " + r.output()));
    Mount mount = new Mount(mnt, daemon, Path.of(m.group(2)));
    try {
      assertEquals(0, r.exit(), r.output());
      assertTrue(served, "mount returned before the mount was served:\n" + r.output());
      return mount;
    } catch (Throwable t) {
      mount.cleanUp();
      throw t;
    }
  }

  private void umountEnds(Mount m) throws Exception {
    Sh.Result u = Sh.exec(tmp, T, List.of("umount", m.mnt().toString()), Map.of());
    assertEquals(0, u.exit(), "umount: " + u.output());
    m.daemon().onExit().get(EXIT_BOUND.toSeconds(), TimeUnit.SECONDS);
    assertNull(MountTable.fstypeAt(m.mnt()), "still mounted");
    Sh.exec(tmp, T, List.of("stat", m.mnt().toString()), Map.of()).ok("stat after umount");
  }

  /** The super options (FUSE's, after the last field separator) of the mount at {@code dir}. */
  private static String superOptions(Path dir) throws IOException {
    String want = dir.toString().replace(" ", "\\040");
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f.length > 4 && f[4].equals(want)) {
        return f[f.length - 1];
      }
    }
    return "(not mounted)";
  }
}
