package io.hearth.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.cli.AdminCli;
import io.hearth.cli.admin.ClusterStatus;
import io.hearth.client.ClusterSpec;
import io.hearth.client.InProcessCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every server of a cluster replaced under a mounted workload, the way an operator retires
 * machines: start n1..n3 and mount them; add n4 and n5; remove n1 and n2 (the meta leader among
 * them, first); decommission n3, refused while only two other nodes are left, then done after n6 is
 * added. The mount was given n1..n3 only and must follow the members on its own. At the end the
 * workload saw no error, every acknowledged file reads back byte-exact through a fresh mount of the
 * new servers, and every data group has three replicas on the new servers, none lacking a block.
 */
class RollingReplacementTest {
  static final Workload.Options WORKLOAD =
      new Workload.Options(
          3, Duration.ofSeconds(75), 6 << 20, 24L << 20, 200, 20, Clock.systemUTC());

  static final Path FIGURES = Path.of("target", "rolling-replacement-stall.txt");

  @Test
  @Timeout(900)
  void everyServerReplacedUnderAMountedWorkload() throws Exception {
    long seed = Long.getLong("hearth.seed", System.nanoTime());
    System.out.println(
        "RollingReplacementTest seed=" + seed + " (replay with -Dhearth.seed=" + seed + ")");
    Path mnt = Files.createTempDirectory("hearth-replace-mnt");
    try (InProcessCluster c = new InProcessCluster(3)) {
      String spec = c.spec();
      BridgeProcess mount = BridgeProcess.mount(spec, mnt, "");
      Workload w = null;
      try {
        w = Workload.start(mnt, seed, WORKLOAD);
        Thread.sleep(5_000);
        List<String> fresh = new ArrayList<>();
        for (String id : List.of("n4", "n5")) {
          fresh.add(add(c, spec, id));
        }
        String leader = leader(spec);
        if (!leader.equals("n1") && !leader.equals("n2")) {
          ok(AdminCli.run(spec, "transfer-leader", "--to", "n1"));
          leader = "n1";
        }
        String other = leader.equals("n1") ? "n2" : "n1";
        for (String id : List.of(leader, other)) {
          ok(AdminCli.run(spec, "remove-node", id, "--timeout", "600"));
          c.stop(id);
        }
        AdminCli.Result refused = AdminCli.run(spec, "decommission", "n3");
        assertEquals(1, refused.status(), refused::toString);
        assertTrue(refused.err().contains("add a node first"), refused::toString);
        fresh.add(add(c, spec, "n6"));
        ok(AdminCli.run(spec, "decommission", "n3", "--timeout", "600"));
        c.stop("n3");
        long opsAfter = w.opsDone();
        Thread.sleep(5_000);
        assertTrue(w.opsDone() > opsAfter, "the workload goes on against n4..n6 alone");
        w.stop();
        System.out.println(w.summary());

        String newSpec = String.join(",", fresh);
        mount.close();
        mount = BridgeProcess.mount(newSpec, mnt, "");
        Workload.Verification v = w.verify();
        System.out.println(v);
        String line =
            "STALL rolling replacement: %d ms (longest gap between completed operations); %s; %s"
                .formatted(
                    w.longestGap().toMillis(),
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
        AdminCli.awaitFullyReplicated(newSpec, "n1", "n2", "n3");
      } catch (Throwable t) {
        System.out.println("---- bridge log tail ----\n" + mount.logTail(80));
        throw t;
      } finally {
        if (w != null) {
          w.close();
        }
        mount.close();
      }
    } finally {
      Files.deleteIfExists(mnt);
    }
  }

  /** Starts a server that joins, adds it; its host:port. */
  private static String add(InProcessCluster c, String spec, String id) throws Exception {
    String address = c.join(id);
    ok(AdminCli.run(spec, "add-node", id, address, "--timeout", "300"));
    return address.substring(0, address.lastIndexOf(':'));
  }

  private static String leader(String spec) throws Exception {
    return ClusterStatus.gather(ClusterSpec.parse(spec), Duration.ofSeconds(2)).leaderId();
  }

  private static void ok(AdminCli.Result r) {
    assertEquals(0, r.status(), r::toString);
  }
}
