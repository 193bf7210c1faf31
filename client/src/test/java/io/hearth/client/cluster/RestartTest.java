package io.hearth.client.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.HearthClient;
import io.hearth.client.cluster.ProcessCluster.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Servers stopped and restarted keep what they acknowledged and come back to the others' state:
 * from their own RocksDB and Raft log, and, once the leader has purged the log they miss, from a
 * RocksDB checkpoint installed as a Raft snapshot.
 */
class RestartTest {
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CONVERGE_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration LEADER_TIMEOUT = Duration.ofSeconds(30);

  /** "namespace opened at (t:2, i:57)", logged by MetaStateMachine when it opens its RocksDB. */
  private static final Pattern OPENED =
      Pattern.compile("namespace opened at \\(t:(\\d+), i:(\\d+)\\)");

  @Test
  @Timeout(120)
  void killedNodeResumesFromItsOwnStateAndCatchesUp() throws Exception {
    ProcessCluster.run(
        "restart-one",
        3,
        Map.of(),
        c -> {
          String leader = c.waitForLeader(LEADER_TIMEOUT);
          String victim = follower(c, leader);
          try (HearthClient h = c.client()) {
            List<String> before = Load.createFiles(h, "/before", 100, WRITE_TIMEOUT);
            Digest d0 = c.assertReplicasEqual(CONVERGE_TIMEOUT);

            // SIGKILL: nothing is snapshotted at stop, the node must resume from its store + log.
            c.kill9(victim);
            List<String> during = Load.createFiles(h, "/during", 1000, WRITE_TIMEOUT, 1);
            c.restart(victim);
            c.waitUp(victim, LEADER_TIMEOUT);

            Digest d1 = c.assertReplicasEqual(CONVERGE_TIMEOUT);
            assertTrue(
                d1.appliedIndex() > d0.appliedIndex() + 1000, "the writes while down: " + d1);
            long resumedAt = lastOpenedIndex(c, victim);
            c.log(victim + " reopened its namespace at index " + resumedAt + "; stopped at " + d0);
            assertTrue(
                resumedAt >= d0.appliedIndex(),
                victim
                    + " must resume from its own RocksDB, not from scratch: opened at "
                    + resumedAt);
            assertEquals(Set.copyOf(before), Load.names(h, "/before"));
            assertEquals(Set.copyOf(during), Load.names(h, "/during"));
          }
        });
  }

  @Test
  @Timeout(120)
  void wholeClusterStoppedAndRestartedKeepsEverything() throws Exception {
    ProcessCluster.run(
        "restart-all",
        3,
        Map.of(),
        c -> {
          c.waitForLeader(LEADER_TIMEOUT);
          List<String> files;
          Digest before;
          try (HearthClient h = c.client()) {
            files = Load.createFiles(h, "/keep", 300, WRITE_TIMEOUT);
            before = c.assertReplicasEqual(CONVERGE_TIMEOUT);
          }
          for (String id : c.ids()) {
            c.stop(id);
          }
          for (String id : c.ids()) {
            c.restart(id);
          }
          c.waitForLeader(LEADER_TIMEOUT);
          Digest after = c.assertReplicasEqual(CONVERGE_TIMEOUT);
          assertEquals(before.state(), after.state(), "namespace after a full restart");
          assertEquals(before.appliedIndex(), after.appliedIndex(), "no entry lost or added");
          try (HearthClient h = c.client()) {
            assertEquals(Set.copyOf(files), Load.names(h, "/keep"));
            Load.createFiles(h, "/more", 10, WRITE_TIMEOUT);
          }
          c.assertReplicasEqual(CONVERGE_TIMEOUT);
        });
  }

  /**
   * A follower is down while the others take more than a purge gap of entries with a low snapshot
   * threshold; a leadership change closes the open log segment so that the purge can drop it. The
   * follower then needs entries the leader no longer has, so it must be sent a snapshot.
   */
  @Test
  @Timeout(180)
  void nodeBehindAPurgedLogCatchesUpFromASnapshot() throws Exception {
    ProcessCluster.run(
        "snapshot-install",
        3,
        Map.of("snapshot.every.entries", "200"),
        c -> {
          c.waitForLeader(LEADER_TIMEOUT);
          try (HearthClient h = c.client()) {
            Load.createFiles(h, "/a", 50, WRITE_TIMEOUT);
            Digest d0 = c.assertReplicasEqual(CONVERGE_TIMEOUT);
            String victim = follower(c, c.waitForLeader(LEADER_TIMEOUT));
            c.stop(victim);

            List<String> b = Load.createFiles(h, "/b", 1300, WRITE_TIMEOUT, 1);
            // A term change rolls the open segment; only closed segments can be purged.
            String leader = c.waitForLeader(LEADER_TIMEOUT);
            String other =
                c.ids().stream()
                    .filter(id -> !id.equals(leader) && !id.equals(victim))
                    .findFirst()
                    .orElseThrow();
            h.meta().raft().admin().transferLeadership(RaftPeerId.valueOf(other), 20_000);
            assertEquals(other, c.waitForLeader(LEADER_TIMEOUT, leader));
            List<String> cc = Load.createFiles(h, "/c", 1300, WRITE_TIMEOUT, 1);
            c.log(
                "log segments: "
                    + leader
                    + " "
                    + segments(c, leader)
                    + "; "
                    + other
                    + " "
                    + segments(c, other)
                    + "; "
                    + victim
                    + " stopped at index "
                    + d0.appliedIndex());
            long firstKept = firstLogIndex(c, other);
            assertTrue(
                firstKept > d0.appliedIndex() + 1,
                "precondition: the leader "
                    + other
                    + " purged its log past "
                    + victim
                    + "'s last index "
                    + d0.appliedIndex()
                    + ", so only a snapshot can catch it up; segments "
                    + segments(c, other));

            c.restart(victim);
            c.waitUp(victim, LEADER_TIMEOUT);
            Digest d1 = c.assertReplicasEqual(CONVERGE_TIMEOUT);
            c.log(victim + " caught up at " + d1);
            String installed =
                grep(
                    c.logText(victim),
                    "successfully install the entire snapshot|namespace opened at");
            c.log(victim + " install lines:\n" + installed);
            assertTrue(
                installed.contains("successfully install the entire snapshot"),
                victim + " caught up without a snapshot install; its log: " + installed);
            assertTrue(
                lastOpenedIndex(c, victim) >= firstKept - 1,
                "the namespace reopened from the installed checkpoint");
            assertEquals(Set.copyOf(b), Load.names(h, "/b"));
            assertEquals(Set.copyOf(cc), Load.names(h, "/c"));
            // The node must stay healthy after the install: one more write reaches every replica.
            Load.createFiles(h, "/after", 5, WRITE_TIMEOUT);
            c.assertReplicasEqual(CONVERGE_TIMEOUT);
            assertTrue(c.isRunning(victim), victim + " is still running after the install");
          }
        });
  }

  static String follower(ProcessCluster c, String leader) {
    return c.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
  }

  /** The index the node's namespace was opened at on its latest start. */
  private static long lastOpenedIndex(ProcessCluster c, String id) throws IOException {
    Matcher m = OPENED.matcher(c.logText(id));
    long last = -2;
    while (m.find()) {
      last = Long.parseLong(m.group(2));
    }
    return last;
  }

  /** The meta group's Raft log segment files of a node: log_inprogress_START or log_START-END. */
  private static Set<String> segments(ProcessCluster c, String id) throws IOException {
    Set<String> out = new TreeSet<>();
    Path metaLog = c.dataDir(id).resolve("raft").resolve(io.hearth.protocol.Groups.META.toString());
    try (Stream<Path> s = Files.walk(metaLog)) {
      s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("log_")).forEach(out::add);
    }
    return out;
  }

  private static long firstLogIndex(ProcessCluster c, String id) throws IOException {
    return segments(c, id).stream()
        .map(n -> n.replace("log_inprogress_", "").replace("log_", ""))
        .mapToLong(n -> Long.parseLong(n.contains("-") ? n.substring(0, n.indexOf('-')) : n))
        .min()
        .orElse(-1);
  }

  private static String grep(String text, String regex) {
    Pattern p = Pattern.compile(regex);
    StringBuilder sb = new StringBuilder();
    text.lines().filter(l -> p.matcher(l).find()).forEach(l -> sb.append(l).append('\n'));
    return sb.toString();
  }
}
