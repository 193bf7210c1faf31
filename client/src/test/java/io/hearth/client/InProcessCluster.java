package io.hearth.client;

import io.hearth.server.HearthServer;
import io.hearth.server.config.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * N real Hearth servers (real Ratis, real RocksDB) in this JVM on free loopback ports, data in a
 * temp directory deleted on close. A broken invariant is recorded, not fatal, so a test can fail on
 * it.
 */
public final class InProcessCluster implements AutoCloseable {
  private final Path dir;
  private final List<String> peers = new ArrayList<>();
  private final List<HearthServer> servers = new ArrayList<>();
  private final Map<String, String> config = new HashMap<>();
  private final List<ServerConfig> configs = new ArrayList<>();
  public final AtomicReference<Throwable> fatal = new AtomicReference<>();
  private final Thread cleanup = new Thread(this::closeQuietly, "in-process-cluster-cleanup");

  public InProcessCluster(int n) throws IOException {
    this(n, Map.of());
  }

  /** {@code config} holds extra server config keys, the same for every node. */
  public InProcessCluster(int n, Map<String, String> config) throws IOException {
    this(n, config, null);
  }

  /**
   * {@code dataDirOf} may place a node's data elsewhere (a small file system, say): it gets the
   * node number (1..n) and returns a directory, or null for the default under the temp dir.
   */
  public InProcessCluster(
      int n, Map<String, String> config, java.util.function.IntFunction<Path> dataDirOf)
      throws IOException {
    dir = Files.createTempDirectory("hearth-cluster");
    this.config.putAll(config);
    for (int i = 1; i <= n; i++) {
      peers.add("n" + i + "@127.0.0.1:" + freePort() + ":" + freePort());
    }
    // A run that dies before close() (an aborted benchmark, a killed test) still removes its data.
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      for (int i = 1; i <= n; i++) {
        Map<String, String> flags = new HashMap<>(config);
        flags.put(ServerConfig.NODE_ID.name(), "n" + i);
        Path own = dataDirOf == null ? null : dataDirOf.apply(i);
        flags.put(
            ServerConfig.DATA_DIR.name(), (own != null ? own : dir.resolve("n" + i)).toString());
        flags.put(ServerConfig.PEERS.name(), String.join(",", peers));
        // The default (gRPC port + 2000) is not checked free; a checked one keeps runs apart.
        flags.putIfAbsent(ServerConfig.METRICS_PORT.name(), Integer.toString(freePort()));
        configs.add(ServerConfig.load(null, flags));
        servers.add(new HearthServer(configs.getLast(), Clock.systemUTC(), fatal::set));
      }
      for (HearthServer s : servers) {
        s.start();
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * A port free now, below the kernel's ephemeral range (32768 and up on Linux): a port from that
   * range can be taken by any outgoing connection between this check and the server's bind.
   */
  public static int freePort() {
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = 20_000 + PORTS.nextInt(12_000);
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new UncheckedIOException(new IOException("no free port in 20000-31999"));
  }

  private static final java.util.Random PORTS = new java.util.Random();

  /** host:port,... of every member. */
  public String spec() {
    return String.join(
        ",",
        peers.stream()
            .map(p -> p.substring(p.indexOf('@') + 1))
            .map(p -> p.substring(0, p.lastIndexOf(':')))
            .toList());
  }

  public List<HearthServer> servers() {
    return servers;
  }

  /** The running server with this id. */
  public HearthServer server(String id) {
    return servers.stream()
        .filter(s -> s.config().self().id().equals(id))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no server " + id));
  }

  /**
   * Starts a new server that joins the running cluster ({@code --join}): it waits until {@code
   * hearth admin add-node ID ADDRESS} adds it. Returns ADDRESS (host:port:streamPort).
   */
  public synchronized String join(String id) throws IOException {
    String address = "127.0.0.1:" + freePort() + ":" + freePort();
    Map<String, String> flags = new HashMap<>(config);
    flags.put(ServerConfig.NODE_ID.name(), id);
    flags.put(ServerConfig.DATA_DIR.name(), dir.resolve(id).toString());
    flags.put(ServerConfig.ADDRESS.name(), address);
    flags.put(ServerConfig.JOIN.name(), spec());
    flags.putIfAbsent(ServerConfig.METRICS_PORT.name(), Integer.toString(freePort()));
    HearthServer s =
        new HearthServer(ServerConfig.load(null, flags), Clock.systemUTC(), fatal::set);
    servers.add(s);
    s.start();
    return address;
  }

  /** Stops a server (as a crash would, less the kill) and forgets it. */
  public synchronized void stop(String id) throws IOException {
    HearthServer s = server(id);
    servers.remove(s);
    s.close();
  }

  /**
   * Stops server {@code i} (0-based, of the first n; not with {@link #join} or {@link
   * #stop(String)}) cleanly, as a SIGTERM would; its data stays.
   */
  public synchronized void stop(int i) throws IOException {
    servers.get(i).close();
  }

  /**
   * Starts server {@code i} again, a new {@link HearthServer} on its ports and data; {@code
   * beforeStart} may set it up (a throttle, say) before it joins its groups.
   */
  public synchronized HearthServer restart(
      int i, java.util.function.Consumer<HearthServer> beforeStart) throws IOException {
    HearthServer s = new HearthServer(configs.get(i), Clock.systemUTC(), fatal::set);
    servers.set(i, s);
    beforeStart.accept(s);
    s.start();
    return s;
  }

  private void closeQuietly() {
    try {
      close();
    } catch (IOException | RuntimeException e) {
      // the JVM is going down; nothing else to do
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (Thread.currentThread() != cleanup) {
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException e) {
        // already shutting down
      }
    }
    if (!Files.exists(dir)) {
      return;
    }
    for (HearthServer s : servers) {
      try {
        s.close();
      } catch (IOException e) {
        // keep closing the others
      }
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
