package io.hearth.client.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import io.hearth.client.InProcessCluster;
import io.hearth.protocol.HearthException;
import io.hearth.server.HearthServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Every server's /metrics and /health, scraped over HTTP from real servers while a client works on
 * the cluster: the names are there and parse, the counters move with the operations, one leader,
 * health follows the majority.
 */
class MetricsEndpointTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static final List<String> FAMILIES =
      List.of(
          "hearth_node_info",
          "hearth_raft_role",
          "hearth_raft_leader",
          "hearth_raft_leader_known",
          "hearth_raft_term",
          "hearth_raft_commit_index",
          "hearth_raft_applied_index",
          "hearth_raft_elections_total",
          "hearth_meta_ops_total",
          "hearth_meta_op_seconds_bucket",
          "hearth_meta_op_seconds_count",
          "hearth_meta_op_seconds_sum",
          "hearth_meta_op_errors_total",
          "hearth_data_ops_total",
          "hearth_data_op_seconds_count",
          "hearth_data_read_bytes_total",
          "hearth_data_written_bytes_total",
          "hearth_blocks",
          "hearth_block_bytes",
          "hearth_blocks_missing",
          "hearth_rocksdb_sst_files_bytes",
          "hearth_rocksdb_live_data_bytes",
          "hearth_rocksdb_keys",
          "hearth_rocksdb_memtable_bytes",
          "hearth_rocksdb_memtable_all_bytes",
          "hearth_disk_total_bytes",
          "hearth_disk_usable_bytes",
          "hearth_disk_reserve_bytes",
          "hearth_jvm_heap_used_bytes");

  @Test
  void scrapesFollowTheClusterAndHealthFollowsTheMajority() throws Exception {
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    try (InProcessCluster c = new InProcessCluster(3);
        HearthClient h = HearthClient.connect(c.spec())) {
      List<HearthServer> servers = c.servers();
      h.mkdir("/warm", 0755); // a leader exists and has applied an entry
      long mkdirs = 5;
      double mkdirBefore = total(servers, "hearth_meta_ops_total", "op", "mkdir", "kind", "write");
      double latencyBefore =
          total(servers, "hearth_meta_op_seconds_count", "op", "mkdir", "kind", "write");
      for (int i = 0; i < mkdirs; i++) {
        h.mkdir("/d" + i, 0755);
      }
      assertEquals(
          io.hearth.protocol.Errno.EEXIST,
          assertThrows(HearthException.class, () -> h.mkdir("/d0", 0755)).errno());
      h.stat("/d1");
      // Every replica applies every write: three counts per mkdir once the followers caught up.
      double want = mkdirBefore + 3 * (mkdirs + 1);
      awaitScrapes(
          servers,
          s ->
              sumAll(s, "hearth_meta_ops_total", "op", "mkdir", "kind", "write") >= want
                  && sumAll(s, "hearth_meta_op_seconds_count", "op", "mkdir", "kind", "write")
                      >= latencyBefore + 3 * (mkdirs + 1)
                  && sumAll(s, "hearth_meta_op_errors_total", "op", "mkdir", "errno", "EEXIST") >= 3
                  && sumAll(s, "hearth_meta_ops_total", "op", "lookup", "kind", "read") >= 1,
          "mkdir, its EEXIST and a lookup counted on the replicas");

      byte[] data = new byte[3 << 20];
      new Random(seed).nextBytes(data);
      double writtenBefore = total(servers, "hearth_data_written_bytes_total");
      try (HearthFile f =
          h.open("/big", HearthFile.O_WRONLY | HearthFile.O_CREAT | HearthFile.O_TRUNC, 0644)) {
        f.write(ByteBuffer.wrap(data));
      }
      byte[] back = new byte[data.length];
      try (HearthClient other = HearthClient.connect(c.spec());
          HearthFile f = other.open("/big", HearthFile.O_RDONLY)) {
        ByteBuffer b = ByteBuffer.wrap(back);
        while (b.hasRemaining() && f.read(b) > 0) {
          // keep reading
        }
      }
      assertTrue(java.util.Arrays.equals(data, back), "file read back");
      // A majority holds each block when the write returns; the third replica may lag.
      awaitScrapes(
          servers,
          s ->
              sumAll(s, "hearth_data_written_bytes_total") >= writtenBefore + 2.0 * data.length
                  && sumAll(s, "hearth_data_read_bytes_total") >= data.length
                  && sumAll(s, "hearth_blocks") >= 2
                  && sumAll(s, "hearth_data_ops_total", "op", "put", "kind", "write") >= 2,
          "block bytes written, read and counted");

      List<PromScrape> scrapes = scrapeAll(servers);
      for (PromScrape s : scrapes) {
        for (String f : FAMILIES) {
          assertTrue(s.has(f), f + " missing from a scrape");
        }
        assertEquals(1, s.sum("hearth_raft_role", "group", "meta"), "one role per group");
        assertEquals(0, s.sum("hearth_blocks_missing"));
      }
      awaitScrapes(
          servers,
          s ->
              sumAll(s, "hearth_raft_role", "group", "meta", "role", "leader") == 1
                  && sumAll(s, "hearth_raft_leader", "group", "meta") == 1,
          "exactly one meta leader");

      for (HearthServer s : servers) {
        HttpResponse<String> r = get(s, "/health");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"status\":\"ok\""), r.body());
        assertEquals(404, get(s, "/nope").statusCode());
      }

      servers.get(0).close();
      servers.get(1).close();
      HearthServer survivor = servers.get(2);
      long deadline = System.nanoTime() + WAIT.toNanos();
      HttpResponse<String> r = get(survivor, "/health");
      while (r.statusCode() != 503) {
        assertTrue(System.nanoTime() < deadline, "still healthy without a majority: " + r.body());
        TimeUnit.MILLISECONDS.sleep(200);
        r = get(survivor, "/health");
      }
      assertTrue(r.body().contains("\"status\":\"unavailable\""), r.body());
      assertTrue(r.body().contains("no leader"), r.body());
      // The survivor still answers scrapes, now without a leader.
      PromScrape last = scrape(survivor);
      assertEquals(0, last.sum("hearth_raft_leader_known", "group", "meta"));
    }
  }

  @Test
  void busyMetricsPortFailsTheStartWithTheKeyNamed() throws Exception {
    try (ServerSocket busy = new ServerSocket()) {
      busy.bind(new InetSocketAddress("127.0.0.1", InProcessCluster.freePort()));
      int port = busy.getLocalPort();
      IOException e =
          assertThrows(
              IOException.class,
              () -> new InProcessCluster(1, Map.of("metrics.port", Integer.toString(port))));
      assertTrue(
          e.getMessage().contains("127.0.0.1:" + port) && e.getMessage().contains("metrics.port"),
          e.getMessage());

      // hearth server itself refuses before starting anything, with the same advice.
      Path dir = Files.createTempDirectory("hearth-metrics-busy");
      try {
        Process p =
            new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED",
                    "-cp",
                    System.getProperty("java.class.path"),
                    "io.hearth.server.ServerMain",
                    "--id=n1",
                    "--data-dir=" + dir.resolve("n1"),
                    "--peers=n1@127.0.0.1:"
                        + InProcessCluster.freePort()
                        + ":"
                        + InProcessCluster.freePort(),
                    "--metrics-port=" + port)
                .redirectErrorStream(true)
                .start();
        try {
          assertTrue(p.waitFor(60, TimeUnit.SECONDS), "hearth server did not exit");
          String out = new String(p.getInputStream().readAllBytes());
          assertEquals(1, p.exitValue(), out);
          assertTrue(out.contains("cannot serve metrics on 127.0.0.1:" + port), out);
          assertTrue(out.contains("--metrics-port"), out);
        } finally {
          p.destroyForcibly();
        }
      } finally {
        try (var walk = Files.walk(dir)) {
          walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
      }
    }
  }

  @Test
  void portZeroTurnsTheEndpointOff() throws Exception {
    try (InProcessCluster c = new InProcessCluster(1, Map.of("metrics.port", "0"))) {
      assertEquals(0, c.servers().get(0).metricsPort());
    }
  }

  // ---- helpers ----

  private static HttpResponse<String> get(HearthServer s, String path) throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.metricsPort() + path))
            .timeout(Duration.ofSeconds(10))
            .build();
    return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
  }

  private static PromScrape scrape(HearthServer s) throws Exception {
    HttpResponse<String> r = get(s, "/metrics");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(
        "text/plain; version=0.0.4; charset=utf-8",
        r.headers().firstValue("Content-Type").orElse(""));
    return PromScrape.parse(r.body());
  }

  private static List<PromScrape> scrapeAll(List<HearthServer> servers) throws Exception {
    List<PromScrape> out = new ArrayList<>();
    for (HearthServer s : servers) {
      out.add(scrape(s));
    }
    return out;
  }

  private static double sumAll(List<PromScrape> scrapes, String name, String... labels) {
    return scrapes.stream().mapToDouble(s -> s.sum(name, labels)).sum();
  }

  private static double total(List<HearthServer> servers, String name, String... labels)
      throws Exception {
    return sumAll(scrapeAll(servers), name, labels);
  }

  /** Scrapes every server until {@code done} holds over the scrapes, or fails after WAIT. */
  private static void awaitScrapes(
      List<HearthServer> servers, Predicate<List<PromScrape>> done, String what) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!done.test(scrapeAll(servers))) {
      assertTrue(System.nanoTime() < deadline, what + ": not within " + WAIT);
      TimeUnit.MILLISECONDS.sleep(100);
    }
  }
}
