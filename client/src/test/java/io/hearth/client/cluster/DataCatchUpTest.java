package io.hearth.client.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.FileBytes;
import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A data replica that was down while the group snapshotted and purged its log catches up by
 * installing the snapshot (the manifest of block ids) and repairing every block it lacks from the
 * others: afterwards all replicas hold the same blocks, none lacks one another has, and every file
 * reads back exactly.
 */
class DataCatchUpTest {
  private static final int FILES = 1200;

  @Test
  @Timeout(240)
  void replicaBehindAPurgedLogReconcilesFromTheManifest() throws Exception {
    ProcessCluster.run(
        "data-catch-up",
        3,
        Map.of("snapshot.every.entries", "20"),
        c -> {
          c.waitForLeader(Duration.ofSeconds(60));
          List<byte[]> written = new ArrayList<>();
          try (HearthClient h = c.client()) {
            write(h, "/before", 0, written);
            String victim = "n3";
            c.stop(victim);
            // Ratis purges a log only 1024 entries past the last purge: one block per small file.
            writeMany(h, 1, FILES / 2, written);
            // Only closed log segments are purged: a leader change rolls the open one.
            RaftGroup data0 = c.dataGroup(0);
            String leader = waitForDataLeader(c, data0);
            String other = leader.equals("n1") ? "n2" : "n1";
            try (RaftClient admin =
                RaftClient.newBuilder()
                    .setRaftGroup(data0)
                    .setProperties(new RaftProperties())
                    .build()) {
              admin.admin().transferLeadership(RaftPeerId.valueOf(other), 20_000);
            }
            writeMany(
                h, FILES / 2 + 1, FILES, written); // more snapshots; the old segment is purged
            c.start(victim);
            c.waitUp(victim, Duration.ofSeconds(60));
            DataFailoverTest.awaitRepaired(c, h);
            String log = c.logText(victim);
            assertTrue(
                log.contains("reconciled with snapshot"),
                victim + " caught up without installing a data snapshot");
          }
          try (HearthClient fresh = c.client()) {
            assertArrayEquals(written.get(0), FileBytes.read(fresh, "/before"));
            for (int i = 1; i <= FILES; i++) {
              assertArrayEquals(written.get(i), FileBytes.read(fresh, "/f" + i), "/f" + i);
            }
          }
        });
  }

  private static String waitForDataLeader(ProcessCluster c, RaftGroup g) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      String l = c.leaderId(g.getGroupId());
      if (l != null) {
        return l;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no data group leader");
  }

  private static void write(HearthClient h, String path, int seed, List<byte[]> out)
      throws Exception {
    // past the inline limit, so each file is one block in the data group (not data in the
    // namespace)
    byte[] b = new byte[io.hearth.protocol.Limits.INLINE_FILE_MAX_BYTES + 4096];
    new java.util.Random(seed).nextBytes(b);
    try (HearthFile f = h.open(path, HearthFile.O_WRONLY | HearthFile.O_CREAT, 0644)) {
      f.write(ByteBuffer.wrap(b));
    }
    synchronized (out) {
      while (out.size() <= seed) {
        out.add(null);
      }
      out.set(seed, b);
    }
  }

  /** Files /f{from}../f{to}, written by 8 threads at once. */
  private static void writeMany(HearthClient h, int from, int to, List<byte[]> out)
      throws Exception {
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int i = from; i <= to; i++) {
        int n = i;
        done.add(
            pool.submit(
                () -> {
                  write(h, "/f" + n, n, out);
                  return null;
                }));
      }
      for (var f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
