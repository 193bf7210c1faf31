package io.hearth.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code scripts/local-cluster restart --rolling} under a mounted workload: three server processes
 * started by the script, one bridge process, and a {@link Workload} writing, reading, renaming and
 * deleting on the mount before, during and after every node is restarted one at a time. No
 * operation may fail, and every acknowledged file must read back byte-exact through a fresh mount.
 *
 * <p>The longest gap between two completed operations (the stall a user felt) is printed and
 * written to target/rolling-restart-stall.txt; it is reported, not asserted. On failure the node
 * logs are printed and kept under target/cluster-logs/rolling.
 */
class RollingRestartTest {
  static final Duration BEFORE = Duration.ofSeconds(5);
  static final Duration AFTER = Duration.ofSeconds(5);

  /**
   * The default workload with less data per thread (32 MiB) and longer pauses (0-20 ms): enough to
   * keep every kind of operation going through each restart without starving the restarting server
   * of the machine's two cores.
   */
  static final Workload.Options WORKLOAD =
      new Workload.Options(
          3, Duration.ofSeconds(75), 6 << 20, 32L << 20, 300, 20, Clock.systemUTC());

  static final Path FIGURES = Path.of("target", "rolling-restart-stall.txt");

  @Test
  @Timeout(420)
  void rollingRestartUnderWorkloadHasNoErrors() throws Exception {
    long seed = Long.getLong("hearth.seed", System.nanoTime());
    System.out.println(
        "RollingRestartTest seed=" + seed + " (replay with -Dhearth.seed=" + seed + ")");
    try (LocalCluster cluster = LocalCluster.start(3)) {
      Path mnt = cluster.dir().resolve("mnt");
      BridgeProcess mount = BridgeProcess.mount(cluster.spec(), mnt, "");
      Workload w = null;
      try {
        w = Workload.start(mnt, seed, WORKLOAD);
        Thread.sleep(BEFORE.toMillis());
        long opsBefore = w.opsDone();
        long t0 = System.nanoTime();
        Sh.Result restart = cluster.run("restart", "--rolling");
        long restartMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.println(restart.output());
        restart.ok("local-cluster restart --rolling");
        long opsDuring = w.opsDone() - opsBefore;
        Thread.sleep(AFTER.toMillis());
        w.stop();
        System.out.println(w.summary());

        // Read back through a new mount: nothing of the kernel's or the bridge's caches remains.
        mount.close();
        mount = BridgeProcess.mount(cluster.spec(), mnt, "");
        Workload.Verification v = w.verify();
        System.out.println(v);

        String line =
            ("STALL rolling restart: %d ms (longest gap between completed operations, from +%d ms"
                    + " of the workload); restart --rolling took %d ms, %d ops during it; %s; %s")
                .formatted(
                    w.longestGap().toMillis(),
                    w.longestGapFromMs(),
                    restartMs,
                    opsDuring,
                    w.summary(),
                    v.toString().lines().findFirst().orElse(""));
        System.out.println(line);
        Files.createDirectories(FIGURES.toAbsolutePath().getParent());
        Files.writeString(FIGURES, line + "\n");

        assertEquals(
            0,
            w.errors(),
            "workload errors:\n"
                + w.failures().stream().map(Object::toString).collect(Collectors.joining("\n")));
        assertTrue(v.mismatches().isEmpty(), v.toString());
        assertTrue(v.files() > 0, "the workload acknowledged files: " + v);
        assertTrue(opsDuring > 0, "the workload ran during the restart");
      } catch (Throwable t) {
        System.out.println("---- bridge log tail ----\n" + mount.logTail(60));
        cluster.dumpLogs("rolling");
        throw t;
      } finally {
        if (w != null) {
          w.close();
        }
        mount.close();
      }
    }
  }
}
