package io.hearth.server.metrics;

import io.hearth.server.OpRecorder;
import io.hearth.server.config.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;

/**
 * One node's metrics and its HTTP endpoint ({@code metrics.port}): the operation counters the state
 * machines record into, and the scrape that reads everything else (Raft state, blocks, RocksDB,
 * disk, JVM) when Prometheus asks, so groups added or removed at runtime appear and disappear by
 * themselves.
 *
 * <p>Wiring: build it before the state machines (they take {@link #recorder}s), {@link #start}
 * before the Raft server starts (a busy port then fails the start before any Raft thread exists),
 * {@link #close} at shutdown. Scrapes run on the endpoint's own threads.
 */
public final class NodeMetrics implements AutoCloseable {
  private final String nodeId;
  private final String host;
  private final int port;
  private final LongSupplier ticker;
  private final StorageMetrics storage;
  private final Health health;
  private final ConcurrentMap<String, OpStats> ops = new ConcurrentHashMap<>();
  private volatile MetricsHttp http;

  /**
   * @param ticker monotonic nanoseconds for operation latencies (System::nanoTime)
   */
  public NodeMetrics(ServerConfig config, LongSupplier ticker) throws IOException {
    this.nodeId = config.get(ServerConfig.NODE_ID);
    this.host = config.self().host();
    this.port = config.metricsPort();
    this.ticker = ticker;
    this.storage =
        new StorageMetrics(
            Files.getFileStore(config.get(ServerConfig.DATA_DIR)),
            config.get(ServerConfig.DATA_RESERVE_BYTES));
    this.health = new Health(nodeId);
  }

  /** Where the state machine of group {@code gid} records its operations. */
  public OpRecorder recorder(RaftGroupId gid) {
    return ops.computeIfAbsent(GroupState.name(gid), g -> new OpStats(ticker));
  }

  /**
   * Binds {@code metrics.port} on the node's host and starts answering; does nothing when the port
   * is 0.
   *
   * @throws IOException when the port cannot be bound, naming it and the key
   */
  public synchronized void start(RaftServer raft) throws IOException {
    if (port == 0 || http != null) {
      return;
    }
    MetricsHttp h =
        MetricsHttp.bind(host, port, nodeId, () -> scrape(raft), () -> health.check(raft));
    h.start();
    http = h;
  }

  /** The port answering, or 0 when the endpoint is off or not started. */
  public int port() {
    MetricsHttp h = http;
    return h == null ? 0 : h.port();
  }

  /** Everything, in the Prometheus text format. */
  String scrape(RaftServer raft) {
    List<GroupState> groups = GroupState.of(raft);
    PromText w = new PromText();
    w.family("hearth_node_info", PromText.Type.GAUGE, "1, labelled with this node's id");
    w.sample("hearth_node_info", 1, "node", nodeId);
    RaftMetrics.write(w, groups);
    OpStats.write(w, "hearth_meta", "namespace operations", opsOf(groups, true));
    Map<String, OpStats> data = opsOf(groups, false);
    OpStats.write(w, "hearth_data", "block operations", data);
    OpStats.writeBytes(w, data);
    storage.write(w, groups);
    JvmMetrics.write(w);
    return w.toString();
  }

  /** The stats of the meta group or of the data groups this node hosts now, in their order. */
  private Map<String, OpStats> opsOf(List<GroupState> groups, boolean meta) {
    Map<String, OpStats> out = new LinkedHashMap<>();
    for (GroupState g : groups) {
      OpStats s = ops.get(g.name());
      if (g.meta() == meta && s != null) {
        out.put(g.name(), s);
      }
    }
    return out;
  }

  @Override
  public synchronized void close() {
    MetricsHttp h = http;
    if (h != null) {
      h.close();
      http = null;
    }
  }
}
