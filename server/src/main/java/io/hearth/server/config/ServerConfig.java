package io.hearth.server.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;

/**
 * The few settings of one {@code hearth server}, each typed, with a default or required. Read from
 * a properties file and/or flags; flags win. Unknown keys and bad values fail the start.
 */
public final class ServerConfig {
  /** metrics.port defaults to this node's gRPC port plus this. */
  public static final int METRICS_PORT_OFFSET = 2000;

  public static final ConfigKey<String> NODE_ID =
      new ConfigKey<>("node.id", s -> s, null, "", "this node's id; must appear in peers");
  public static final ConfigKey<Path> DATA_DIR =
      new ConfigKey<>("data.dir", Path::of, null, "path", "where Raft logs and the namespace live");
  public static final ConfigKey<List<Peer>> PEERS =
      new ConfigKey<>(
          "peers",
          ServerConfig::peerList,
          "",
          "",
          "the servers that form a new cluster: id@host:port[:streamPort],... (this node included);"
              + " not for a node that joins");
  public static final ConfigKey<String> ADDRESS =
      new ConfigKey<>(
          "address",
          s -> s,
          "",
          "host:port[:streamPort]",
          "where this node listens, for a node that joins (else from peers)");
  public static final ConfigKey<String> JOIN =
      new ConfigKey<>(
          "join",
          s -> s,
          "",
          "host:port,...",
          "servers of the running cluster this node joins; it waits until 'hearth admin add-node'"
              + " adds it");
  public static final ConfigKey<Long> SNAPSHOT_EVERY_ENTRIES =
      new ConfigKey<>(
          "snapshot.every.entries",
          ServerConfig::positiveLong,
          "100000",
          "entries",
          "take a RocksDB checkpoint snapshot (and purge the log before it) after this many entries");

  public static final ConfigKey<Long> DATA_RESERVE_BYTES =
      new ConfigKey<>(
          "data.reserve.bytes",
          ServerConfig::nonNegativeLong,
          "1073741824",
          "bytes",
          "free space kept back on the data disk (for the Raft logs and the namespace); a block"
              + " write that would eat into it fails with ENOSPC");
  public static final ConfigKey<Long> GC_GRACE_MS =
      new ConfigKey<>(
          "gc.grace.ms",
          ServerConfig::positiveLong,
          "3600000",
          "ms",
          "a block no file refers to is deleted only once it is this old; a writer must commit its"
              + " blocks to the namespace within half of it. Must be the same on every server");
  public static final ConfigKey<Long> GC_INTERVAL_MS =
      new ConfigKey<>(
          "gc.interval.ms",
          ServerConfig::positiveLong,
          "5000",
          "ms",
          "how often the meta leader deletes blocks that files no longer refer to");

  public static final ConfigKey<OptionalInt> METRICS_PORT =
      new ConfigKey<>(
          "metrics.port",
          ServerConfig::optionalPort,
          "",
          "port",
          "HTTP port of /metrics (Prometheus) and /health, on this node's host; default: the gRPC"
              + " port + "
              + METRICS_PORT_OFFSET
              + "; 0 turns the endpoint off");

  public static final List<ConfigKey<?>> ALL =
      List.of(
          NODE_ID,
          DATA_DIR,
          PEERS,
          ADDRESS,
          JOIN,
          SNAPSHOT_EVERY_ENTRIES,
          DATA_RESERVE_BYTES,
          GC_GRACE_MS,
          GC_INTERVAL_MS,
          METRICS_PORT);

  private final Map<String, String> raw;

  private ServerConfig(Map<String, String> raw) {
    this.raw = raw;
  }

  /** Builds a config from a file (may be null) and flag values (null values ignored). */
  public static ServerConfig load(Path file, Map<String, String> flags) throws IOException {
    Map<String, String> raw = new HashMap<>();
    if (file != null) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file)) {
        p.load(r);
      }
      for (String k : p.stringPropertyNames()) {
        raw.put(k, p.getProperty(k));
      }
    }
    flags.forEach(
        (k, v) -> {
          if (v != null) {
            raw.put(k, v);
          }
        });
    ServerConfig c = new ServerConfig(raw);
    c.validate();
    return c;
  }

  private void validate() {
    for (String k : raw.keySet()) {
      if (ALL.stream().noneMatch(key -> key.name().equals(k))) {
        throw new IllegalArgumentException(
            "unknown config key '"
                + k
                + "'; known keys: "
                + ALL.stream().map(ConfigKey::name).toList());
      }
    }
    for (ConfigKey<?> k : ALL) {
      get(k);
    }
    String id = get(NODE_ID);
    if (joining()) {
      if (get(ADDRESS).isEmpty() || !get(PEERS).isEmpty()) {
        throw new IllegalArgumentException(
            "a node that joins needs address (where it listens) and no peers");
      }
      metricsPort(); // and self()
      return;
    }
    if (get(PEERS).isEmpty()) {
      throw new IllegalArgumentException(
          "give peers (to form a new cluster) or join and address (to join a running one)");
    }
    if (get(PEERS).stream().noneMatch(p -> p.id().equals(id))) {
      throw new IllegalArgumentException("node.id '" + id + "' is not among peers " + get(PEERS));
    }
    metricsPort();
  }

  /** Whether this node joins a running cluster (join given) rather than forming one. */
  public boolean joining() {
    return !get(JOIN).isEmpty();
  }

  private static List<Peer> peerList(String s) {
    return s.isBlank() ? List.of() : Peer.parseList(s);
  }

  public <T> T get(ConfigKey<T> key) {
    String v = raw.get(key.name());
    if (v == null) {
      if (key.required()) {
        throw new IllegalArgumentException(
            "config key " + key.name() + " is required: " + key.description());
      }
      v = key.defaultValue();
    }
    return key.parse(v);
  }

  /** This node: as listed in peers, or from address when it joins. */
  public Peer self() {
    String id = get(NODE_ID);
    if (joining()) {
      return Peer.parse(id + "@" + get(ADDRESS));
    }
    return get(PEERS).stream().filter(p -> p.id().equals(id)).findFirst().orElseThrow();
  }

  /**
   * The port of this node's metrics endpoint: metrics.port, else the gRPC port + {@value
   * #METRICS_PORT_OFFSET}; 0 when turned off.
   */
  public int metricsPort() {
    Peer self = self();
    int port = get(METRICS_PORT).orElse(self.port() + METRICS_PORT_OFFSET);
    if (port > 65535) {
      throw new IllegalArgumentException(
          "metrics.port: the default, gRPC port "
              + self.port()
              + " + "
              + METRICS_PORT_OFFSET
              + ", is beyond 65535; set metrics.port");
    }
    if (port == self.port() || port == self.streamPort()) {
      throw new IllegalArgumentException(
          "metrics.port " + port + " is also this node's gRPC or stream port");
    }
    return port;
  }

  private static OptionalInt optionalPort(String s) {
    if (s.isEmpty()) {
      return OptionalInt.empty();
    }
    int v = Integer.parseInt(s);
    if (v < 0 || v > 65535) {
      throw new IllegalArgumentException("not a port (0 turns it off, else 1-65535)");
    }
    return OptionalInt.of(v);
  }

  private static long nonNegativeLong(String s) {
    long v = Long.parseLong(s);
    if (v < 0) {
      throw new IllegalArgumentException("must not be negative");
    }
    return v;
  }

  private static long positiveLong(String s) {
    long v = Long.parseLong(s);
    if (v <= 0) {
      throw new IllegalArgumentException("must be positive");
    }
    return v;
  }
}
