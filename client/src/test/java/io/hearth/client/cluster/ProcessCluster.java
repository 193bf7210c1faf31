package io.hearth.client.cluster;

import io.hearth.client.ClusterSpec;
import io.hearth.client.HearthClient;
import io.hearth.client.InProcessCluster;
import io.hearth.protocol.Groups;
import io.hearth.protocol.meta.DigestReply;
import io.hearth.protocol.meta.DigestReq;
import io.hearth.protocol.meta.MetaRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * N {@code hearth server} nodes, each a separate JVM child process (the test JVM's java and class
 * path, main class {@code io.hearth.server.ServerMain}), on free loopback ports, data and logs in a
 * temp directory. Faults are real: {@link #kill9} is SIGKILL, {@link #stop} SIGTERM.
 *
 * <p>Guarantees: every child this class started is killed by {@link #close} (by its pid), and by a
 * JVM shutdown hook if the test run is aborted; a SIGKILL of the test JVM itself is the one case
 * that leaves orphans, since the server has no parent-death watch. Every wait is bounded by a
 * deadline and fails with the node logs' tails printed ({@link #run}).
 *
 * <p>Admin queries (roles, digests) use a fresh client per call, so a gRPC channel left in
 * reconnect back-off by a killed node never delays them.
 *
 * <p>Not thread-safe for start/stop; the query methods may be called from any thread.
 */
public final class ProcessCluster implements AutoCloseable {
  /** Every child of every cluster in this JVM, killed by the shutdown hook. */
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> LIVE.forEach(Process::destroyForcibly), "process-cluster-reaper"));
  }

  private static final Duration ADMIN_CALL_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

  private final String name;
  private final Path dir;
  private final Map<String, Integer> ports = new LinkedHashMap<>();
  private final Map<String, Integer> streamPorts = new LinkedHashMap<>();
  private final Map<String, Integer> metricsPorts = new LinkedHashMap<>();
  private final Map<String, Process> processes = new LinkedHashMap<>();
  private final Path configFile;

  /**
   * Starts {@code n} nodes n1..nN. {@code config} holds extra server config keys (e.g.
   * snapshot.every.entries), passed to every node through a --config properties file.
   */
  public ProcessCluster(String name, int n, Map<String, String> config) throws IOException {
    this.name = name;
    this.dir = Files.createTempDirectory("hearth-" + name + "-");
    for (int i = 1; i <= n; i++) {
      ports.put("n" + i, InProcessCluster.freePort());
      streamPorts.put("n" + i, InProcessCluster.freePort());
      metricsPorts.put("n" + i, InProcessCluster.freePort());
    }
    if (config.isEmpty()) {
      configFile = null;
    } else {
      StringBuilder sb = new StringBuilder();
      config.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
      configFile = dir.resolve("server.properties");
      Files.writeString(configFile, sb);
    }
    Files.createDirectories(dir.resolve("logs"));
    log("starting " + n + " nodes in " + dir + " peers=" + peers() + " config=" + config);
    for (String id : ports.keySet()) {
      start(id);
    }
  }

  public ProcessCluster(String name, int n) throws IOException {
    this(name, n, Map.of());
  }

  /** A body run against a cluster. */
  public interface Body {
    void run(ProcessCluster c) throws Exception;
  }

  /**
   * Runs {@code body} on a new cluster; on failure prints every node's log tail (and keeps the logs
   * under target/cluster-logs), then always kills the children and deletes the data.
   */
  public static void run(String name, int n, Map<String, String> config, Body body)
      throws Exception {
    try (ProcessCluster c = new ProcessCluster(name, n, config)) {
      try {
        body.run(c);
      } catch (Throwable t) {
        c.dumpLogs(t);
        throw t;
      }
    }
  }

  public List<String> ids() {
    return List.copyOf(ports.keySet());
  }

  /** peers flag value: id@127.0.0.1:port:streamPort,... */
  public String peers() {
    List<String> out = new ArrayList<>();
    ports.forEach((id, port) -> out.add(id + "@127.0.0.1:" + port + ":" + streamPorts.get(id)));
    return String.join(",", out);
  }

  /** A new client of the whole cluster; the caller closes it. */
  public HearthClient client() {
    try {
      return HearthClient.connect(ClusterSpec.parse(peers()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path dataDir(String id) {
    return dir.resolve(id);
  }

  public Path logFile(String id) {
    return dir.resolve("logs").resolve(id + ".log");
  }

  // ---- process control ----

  /**
   * Starts node {@code id} (again) on its own port and data dir; its output is appended to its log.
   */
  public synchronized void start(String id) throws IOException {
    Process old = processes.get(id);
    if (old != null && old.isAlive()) {
      throw new IllegalStateException(id + " is still running (pid " + old.pid() + ")");
    }
    Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBin.toString());
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("--sun-misc-unsafe-memory-access=allow");
    cmd.add("-Xmx512m");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.hearth.server.ServerMain");
    cmd.add("--id=" + id);
    cmd.add("--data-dir=" + dataDir(id));
    cmd.add("--peers=" + peers());
    cmd.add("--metrics-port=" + metricsPorts.get(id));
    if (configFile != null) {
      cmd.add("--config=" + configFile);
    }
    Path logFile = logFile(id);
    Files.writeString(
        logFile,
        "==== " + Instant.now() + " process-cluster: starting " + id + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    Process p = pb.start();
    LIVE.add(p);
    processes.put(id, p);
    log("started " + id + " pid " + p.pid());
  }

  /** Alias of {@link #start} for a node that was stopped or killed: same port, same data. */
  public void restart(String id) throws IOException {
    start(id);
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed that was not already. */
  public synchronized void kill9(String id) throws InterruptedException {
    Process p = processes.get(id);
    p.destroyForcibly();
    if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(id + " (pid " + p.pid() + ") survived SIGKILL");
    }
    LIVE.remove(p);
    log("killed -9 " + id + " pid " + p.pid());
  }

  /**
   * SIGTERM, then waits (bounded) for a clean exit: the JVM's code after its shutdown hooks ran
   * (143 = 128 + SIGTERM) or 0; anything else fails.
   */
  public synchronized void stop(String id) throws InterruptedException {
    Process p = processes.get(id);
    p.destroy();
    if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(id + " did not exit within " + STOP_TIMEOUT + " of SIGTERM");
    }
    LIVE.remove(p);
    log("stopped " + id + " pid " + p.pid() + " exit " + p.exitValue());
    if (p.exitValue() != 0 && p.exitValue() != 143) {
      throw new AssertionError(id + " exited with " + p.exitValue() + " on SIGTERM");
    }
  }

  public synchronized boolean isRunning(String id) {
    Process p = processes.get(id);
    return p != null && p.isAlive();
  }

  private synchronized List<String> running() {
    return processes.entrySet().stream()
        .filter(e -> e.getValue().isAlive())
        .map(Map.Entry::getKey)
        .toList();
  }

  // ---- queries ----

  /** One node's view of the meta group, or null when it does not answer within the bound. */
  public GroupInfoReply groupInfo(String id) {
    return groupInfo(id, RaftGroupId.valueOf(Groups.META));
  }

  /** Data group {@code n} of a cluster of at most three nodes (they all hold group 0). */
  public org.apache.ratis.protocol.RaftGroup dataGroup(int n) {
    List<org.apache.ratis.protocol.RaftPeer> peers = new ArrayList<>();
    ports.forEach(
        (id, port) ->
            peers.add(
                org.apache.ratis.protocol.RaftPeer.newBuilder()
                    .setId(id)
                    .setAddress("127.0.0.1:" + port)
                    .build()));
    return org.apache.ratis.protocol.RaftGroup.valueOf(RaftGroupId.valueOf(Groups.data(n)), peers);
  }

  /** One node's view of a group, or null when it does not answer within the bound. */
  public GroupInfoReply groupInfo(String id, RaftGroupId group) {
    try (HearthClient admin = client()) {
      return admin.meta().raft().getGroupManagementApi(RaftPeerId.valueOf(id)).info(group);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The id of the node that reports itself leader, asking every running node; null when none does
   * or more than one does (an old leader that has not yet heard of the new term).
   */
  public String leaderId() {
    return leaderId(RaftGroupId.valueOf(Groups.META));
  }

  /** As {@link #leaderId()}, for any group (e.g. a data group). */
  public String leaderId(RaftGroupId group) {
    List<String> leaders = new ArrayList<>();
    for (String id : running()) {
      GroupInfoReply info = groupInfo(id, group);
      if (info != null && info.getRoleInfoProto().getRole() == RaftPeerRole.LEADER) {
        leaders.add(id);
      }
    }
    return leaders.size() == 1 ? leaders.getFirst() : null;
  }

  /**
   * Polls until exactly one node is leader (and, if given, it is not {@code not}), and the cluster
   * map exists: the first leader writes it a moment after its election, an entry that a test
   * comparing namespace digests must not see land between two of them.
   */
  public String waitForLeader(Duration timeout, String not) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      String l = leaderId();
      if (l != null && !l.equals(not)) {
        try {
          waitForClusterMap();
        } catch (Exception e) {
          throw new AssertionError("no cluster map after the leader's election: " + e, e);
        }
        return l;
      }
      Thread.sleep(POLL);
    }
    throw new AssertionError(
        "no leader" + (not != null ? " other than " + not : "") + " within " + timeout);
  }

  public String waitForLeader(Duration timeout) throws InterruptedException {
    return waitForLeader(timeout, null);
  }

  /**
   * Waits until the meta leader has written the first cluster map (a log entry of its own, which a
   * test comparing the namespace before and after something must not see land in between).
   */
  public void waitForClusterMap() throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    try (HearthClient c = client()) {
      while (true) {
        try {
          io.hearth.rpc.Futures.join(
              c.meta()
                  .read(
                      io.hearth.protocol.meta.MetaRequest.newBuilder()
                          .setCaller(io.hearth.client.Credentials.ROOT.toCaller())
                          .setMapGet(io.hearth.protocol.meta.MapGetReq.getDefaultInstance())
                          .build()));
          return;
        } catch (io.hearth.protocol.HearthException e) {
          if (e.errno() != io.hearth.protocol.Errno.ENOENT || Instant.now().isAfter(deadline)) {
            throw e;
          }
          Thread.sleep(POLL);
        }
      }
    }
  }

  /** Polls a node until it answers the admin API (its Raft server is up). */
  public void waitUp(String id, Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!isRunning(id)) {
        throw new AssertionError(id + " exited while starting");
      }
      if (groupInfo(id) != null) {
        return;
      }
      Thread.sleep(POLL);
    }
    throw new AssertionError(id + " did not answer within " + timeout);
  }

  /** One replica's digest of the whole namespace. */
  public record Digest(String id, String sha256, long appliedIndex, long keys) {
    /** The namespace part only: equal exactly when two replicas hold the same namespace. */
    public String state() {
      return sha256 + "/" + keys;
    }
  }

  /**
   * One node's digest, read from its own replica; null when it does not answer within the bound.
   */
  public Digest digest(String id) {
    MetaRequest req = MetaRequest.newBuilder().setDigest(DigestReq.getDefaultInstance()).build();
    try (HearthClient admin = client()) {
      DigestReply d =
          admin
              .meta()
              .readLocal(req, RaftPeerId.valueOf(id))
              .get(ADMIN_CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
              .getDigest();
      return new Digest(
          id,
          HexFormat.of().formatHex(d.getSha256().toByteArray()),
          d.getAppliedIndex(),
          d.getKeys());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (Exception e) {
      lastDigestError.put(id, String.valueOf(e));
      return null;
    }
  }

  /** Why each node's latest digest query failed, for failure messages. */
  private final Map<String, String> lastDigestError = new ConcurrentHashMap<>();

  /**
   * The digests of every running node, once they all report the same applied index; fails when they
   * do not within {@code timeout}. Equal index with different hashes is returned, not retried: the
   * caller asserts on it.
   */
  public Map<String, Digest> digests(Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    Map<String, Digest> last = Map.of();
    while (Instant.now().isBefore(deadline)) {
      Map<String, Digest> all = new LinkedHashMap<>();
      for (String id : running()) {
        all.put(id, digest(id));
      }
      last = all;
      if (!all.containsValue(null)
          && all.values().stream().mapToLong(Digest::appliedIndex).distinct().count() == 1) {
        return all;
      }
      Thread.sleep(POLL);
    }
    throw new AssertionError(
        "replicas did not reach one applied index within "
            + timeout
            + ": "
            + last
            + "; errors "
            + lastDigestError);
  }

  /**
   * Asserts every running replica holds the same namespace at the same applied index; returns it.
   */
  public Digest assertReplicasEqual(Duration timeout) throws InterruptedException {
    Map<String, Digest> d = digests(timeout);
    log("digests " + d.values());
    if (d.values().stream().map(Digest::state).distinct().count() != 1) {
      throw new AssertionError("replicas diverge at one applied index: " + d.values());
    }
    return d.values().iterator().next();
  }

  // ---- logs ----

  /** The last {@code lines} lines of a node's log. */
  public String logTail(String id, int lines) {
    try {
      List<String> all = Files.readAllLines(logFile(id), StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Whole log of a node, for tests that look for what a server did. */
  public String logText(String id) throws IOException {
    return Files.readString(logFile(id), StandardCharsets.UTF_8);
  }

  /** Prints each node's log tail and keeps the logs under target/cluster-logs/NAME. */
  public void dumpLogs(Throwable cause) {
    System.out.println("==== " + name + " failed: " + cause + "; node log tails follow");
    Path keep = Path.of("target", "cluster-logs", name);
    for (String id : ports.keySet()) {
      System.out.println("---- " + id + " (" + logFile(id) + ") ----");
      System.out.println(logTail(id, 60));
      try {
        Files.createDirectories(keep);
        Files.copy(logFile(id), keep.resolve(id + ".log"), StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        System.out.println("(could not keep log: " + e + ")");
      }
    }
    System.out.println("==== logs kept in " + keep.toAbsolutePath());
  }

  public void log(String msg) {
    System.out.println(Instant.now() + " [" + name + "] " + msg);
  }

  /** Kills every child by pid (SIGKILL: the data is thrown away anyway) and deletes the data. */
  @Override
  public synchronized void close() throws IOException {
    for (Process p : processes.values()) {
      p.destroyForcibly();
    }
    for (Process p : processes.values()) {
      try {
        if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          log("pid " + p.pid() + " still alive after SIGKILL");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      LIVE.remove(p);
    }
    deleteTree(dir);
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
