package io.hearth.server;

import io.hearth.server.config.Peer;
import io.hearth.server.config.ServerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hearth server}: runs one node until SIGTERM/SIGINT. */
@Command(
    name = "hearth server",
    mixinStandardHelpOptions = true,
    description = {
      "Runs one Hearth server node: a member of the meta Raft group (namespace on RocksDB)",
      "and of its data groups (file blocks on local disk).",
      "Settings come from --config (a properties file) and/or the flags below; flags win.",
      "Keys: node.id, data.dir, peers (id@host:port[:streamPort],...), join, address,"
          + " snapshot.every.entries, data.reserve.bytes, gc.grace.ms, gc.interval.ms,"
          + " metrics.port (HTTP /metrics and /health; default: port+2000; 0: off).",
      "A new cluster: every node with the same --peers. A node joining a running cluster:",
      "  hearth server --id n4 --data-dir D --address host:port --join host1:port1,...",
      "  then, from anywhere: hearth admin add-node n4 host:port"
    })
public final class ServerMain implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServerMain.class);

  @Option(names = "--config", description = "properties file with the keys above")
  Path config;

  @Option(names = "--id", description = "node.id: this node's id, as listed in --peers")
  String id;

  @Option(names = "--data-dir", description = "data.dir: where the Raft log and namespace live")
  String dataDir;

  @Option(
      names = "--peers",
      description =
          "peers: id@host:port[:streamPort],... of a new cluster (stream port: port+1000)")
  String peers;

  @Option(
      names = "--join",
      paramLabel = "HOST:PORT,...",
      description =
          "join: servers of a running cluster to join; then 'hearth admin add-node ID ADDRESS'"
              + " adds this node (give --address, not --peers)")
  String join;

  @Option(
      names = "--address",
      paramLabel = "HOST:PORT[:STREAMPORT]",
      description = "address: where a joining node listens")
  String address;

  @Option(
      names = "--metrics-port",
      description = "metrics.port: HTTP port of /metrics and /health (default port+2000; 0: off)")
  String metricsPort;

  @Override
  public Integer call() throws Exception {
    Map<String, String> flags = new HashMap<>();
    flags.put(ServerConfig.NODE_ID.name(), id);
    flags.put(ServerConfig.DATA_DIR.name(), dataDir);
    flags.put(ServerConfig.PEERS.name(), peers);
    flags.put(ServerConfig.JOIN.name(), join);
    flags.put(ServerConfig.ADDRESS.name(), address);
    flags.put(ServerConfig.METRICS_PORT.name(), metricsPort);
    ServerConfig cfg;
    try {
      cfg = ServerConfig.load(config, flags);
    } catch (IllegalArgumentException e) {
      System.err.println("hearth server: " + e.getMessage());
      System.err.println("Run 'hearth server --help' for the settings.");
      return 2;
    }
    Peer self = cfg.self();
    for (int port : new int[] {self.port(), self.streamPort()}) {
      String busy = portInUse(self.host(), port);
      if (busy != null) {
        System.err.println(
            "hearth server: cannot listen on " + self.host() + ":" + port + ": " + busy);
        System.err.println(
            "Is another hearth server running there? Stop it, or give this node other ports in"
                + " peers (id@host:port:streamPort).");
        return 1;
      }
    }
    String metricsBusy = cfg.metricsPort() == 0 ? null : portInUse(self.host(), cfg.metricsPort());
    if (metricsBusy != null) {
      System.err.println(
          "hearth server: cannot serve metrics on "
              + self.host()
              + ":"
              + cfg.metricsPort()
              + ": "
              + metricsBusy);
      System.err.println(
          "Set metrics.port (--metrics-port) to a free port, or to 0 to turn the endpoint off.");
      return 1;
    }
    HearthServer server =
        new HearthServer(
            cfg,
            Clock.systemUTC(),
            t -> {
              // Through the log, not stderr: with -Dhearth.log.file stderr may point at a file the
              // log has rotated away (local-cluster sends both to one file). The appender writes
              // before it returns, so the line is out before halt.
              LOG.error("hearth server: stopping on a broken invariant: {}", String.valueOf(t));
              Runtime.getRuntime().halt(70);
            });
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    server.close();
                  } catch (Exception e) {
                    LOG.error("hearth server: error while stopping", e);
                  }
                  stopped.countDown();
                },
                "hearth-shutdown"));
    server.start();
    LOG.info("hearth server {} started, data in {}", cfg.self(), cfg.get(ServerConfig.DATA_DIR));
    stopped.await();
    return 0;
  }

  /**
   * Why this node's address cannot be bound, or null when it can. Checked before Ratis starts,
   * because Ratis reports a busy port only as a stack trace on its way out.
   */
  private static String portInUse(String host, int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(host, port));
      return null;
    } catch (IOException e) {
      return e.getMessage();
    }
  }

  public static void main(String[] args) {
    // gRPC (shaded in Ratis) logs through java.util.logging, in a format of its own on stderr.
    // What it passes on is what JUL lets through, INFO and up: the JDK's and gRPC's own debug
    // output (a stack trace at every ProcessBuilder.start) stays out even at DEBUG.
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    int rc = new CommandLine(new ServerMain()).execute(args);
    if (rc != 0) {
      System.exit(rc);
    }
  }
}
