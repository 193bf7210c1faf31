package io.hearth.server.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The few settings of one {@code hearth server}, each typed, with a default or required. Read from
 * a properties file and/or flags; flags win. Unknown keys and bad values fail the start.
 */
public final class ServerConfig {
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
          GC_INTERVAL_MS);

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
      self();
      return;
    }
    if (get(PEERS).isEmpty()) {
      throw new IllegalArgumentException(
          "give peers (to form a new cluster) or join and address (to join a running one)");
    }
    if (get(PEERS).stream().noneMatch(p -> p.id().equals(id))) {
      throw new IllegalArgumentException("node.id '" + id + "' is not among peers " + get(PEERS));
    }
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
