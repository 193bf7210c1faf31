package io.hearth.client.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.HearthClient;
import io.hearth.client.InProcessCluster;
import io.hearth.client.Stat;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.DigestReply;
import io.hearth.protocol.meta.DigestReq;
import io.hearth.protocol.meta.LookupReq;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;

/**
 * The root's times on a real group: every replica gives the root the time of the first entry it
 * applies, so after the first write each one shows the same, nonzero, times (the cluster's start,
 * not 1970) and the replicas' digests stay equal.
 */
class RootTimesClusterTest {
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final List<String> IDS = List.of("n1", "n2", "n3");

  @Test
  void everyReplicaShowsTheFirstEntrysTime() throws Exception {
    long startNs = System.currentTimeMillis() * 1_000_000L;
    try (InProcessCluster c = new InProcessCluster(3);
        HearthClient h = HearthClient.connect(c.spec())) {
      h.mkdir("/a", 0755);
      Stat seen = h.stat("/");
      assertTrue(
          seen.atimeNs() >= startNs, "root atime " + seen.atimeNs() + ", not the cluster's start");
      List<DigestReply> digests = digestsAtOneIndex(h);
      assertEquals(
          1,
          digests.stream().map(DigestReply::getSha256).distinct().count(),
          "replicas hold the same namespace: " + digests);
      for (String id : IDS) {
        Attr root =
            read(h, id, MetaRequest.newBuilder().setLookup(LookupReq.getDefaultInstance()))
                .getAttr();
        assertEquals(
            List.of(seen.atimeNs(), seen.mtimeNs(), seen.ctimeNs()),
            List.of(root.getAtimeNs(), root.getMtimeNs(), root.getCtimeNs()),
            id + "'s root times");
      }
    }
  }

  /** Every replica's digest, once they report one applied index (bounded by TIMEOUT). */
  private static List<DigestReply> digestsAtOneIndex(HearthClient h) throws Exception {
    Instant deadline = Instant.now().plus(TIMEOUT);
    while (true) {
      List<DigestReply> digests = new ArrayList<>();
      for (String id : IDS) {
        digests.add(
            read(h, id, MetaRequest.newBuilder().setDigest(DigestReq.getDefaultInstance()))
                .getDigest());
      }
      if (digests.stream().map(DigestReply::getAppliedIndex).distinct().count() == 1) {
        return digests;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("replicas not at one applied index: " + digests);
      }
      Thread.sleep(100);
    }
  }

  private static MetaReply read(HearthClient h, String id, MetaRequest.Builder req)
      throws Exception {
    return h.meta()
        .readLocal(req.build(), RaftPeerId.valueOf(id))
        .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }
}
