package io.hearth.server.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoint of one node: {@code GET /metrics} (Prometheus text), {@code GET /health} (200
 * or 503 with a JSON body), 404 for any other path, 405 for other methods.
 *
 * <p>Threads: the JDK server's dispatcher accepts; {@value #THREADS} handler threads answer, with
 * at most {@value #QUEUE_MAX} requests waiting. Beyond that the dispatcher answers the request
 * itself, which stops it accepting more until it is done: a flood of scrapes slows down only this
 * endpoint and never piles up memory or touches a Raft thread.
 *
 * <p>States: bound (port held, nothing answered) -> started -> closed.
 */
final class MetricsHttp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsHttp.class);
  private static final int THREADS = 2;
  private static final int QUEUE_MAX = 16;
  private static final int BACKLOG_MAX = 16;

  private final HttpServer http;
  private final ThreadPoolExecutor executor;
  private final Supplier<String> metrics;
  private final Supplier<Health.Status> health;

  private MetricsHttp(
      HttpServer http, String nodeId, Supplier<String> metrics, Supplier<Health.Status> health) {
    this.http = http;
    this.metrics = metrics;
    this.health = health;
    AtomicInteger n = new AtomicInteger();
    this.executor =
        new ThreadPoolExecutor(
            THREADS,
            THREADS,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(QUEUE_MAX),
            r -> {
              Thread t = new Thread(r, "hearth-metrics-" + nodeId + "-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.CallerRunsPolicy());
    http.setExecutor(executor);
    http.createContext("/", this::handle);
  }

  /**
   * Takes the port now, so that a busy one fails the server's start before anything else runs.
   *
   * @throws IOException naming the address and the config key when the port cannot be bound
   */
  static MetricsHttp bind(
      String host,
      int port,
      String nodeId,
      Supplier<String> metrics,
      Supplier<Health.Status> health)
      throws IOException {
    try {
      HttpServer http = HttpServer.create(new InetSocketAddress(host, port), BACKLOG_MAX);
      return new MetricsHttp(http, nodeId, metrics, health);
    } catch (BindException e) {
      throw new IOException(
          "cannot serve metrics on "
              + host
              + ":"
              + port
              + ": "
              + e.getMessage()
              + "; set metrics.port (--metrics-port) to a free port, or to 0 to turn the"
              + " endpoint off",
          e);
    }
  }

  void start() {
    http.start();
  }

  /** The port bound (the configured one). */
  int port() {
    return http.getAddress().getPort();
  }

  private record Response(int code, String type, String body) {}

  private static final String TEXT = "text/plain; charset=utf-8";

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      Response r;
      try {
        r = respond(ex.getRequestMethod(), ex.getRequestURI().getPath());
      } catch (RuntimeException e) {
        LOG.warn("metrics request {} failed", ex.getRequestURI(), e);
        r = new Response(500, TEXT, "failed: " + e + "\n");
      }
      if (r.code == 405) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
      }
      byte[] b = r.body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", r.type);
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      boolean head = ex.getRequestMethod().equals("HEAD");
      ex.sendResponseHeaders(r.code, head ? -1 : b.length);
      if (!head) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(b);
        }
      }
    }
  }

  private Response respond(String method, String path) {
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return new Response(405, TEXT, "method " + method + " not allowed\n");
    }
    return switch (path) {
      case "/metrics" -> new Response(200, PromText.CONTENT_TYPE, metrics.get());
      case "/health" -> {
        Health.Status s = health.get();
        yield new Response(s.ok() ? 200 : 503, "application/json", s.json());
      }
      default -> new Response(404, TEXT, "not found; try /metrics or /health\n");
    };
  }

  @Override
  public void close() {
    http.stop(0);
    executor.shutdownNow();
  }
}
