package io.hearth.cli.admin;

import io.hearth.client.ClusterSpec;
import io.hearth.client.Credentials;
import io.hearth.client.meta.MetaClient;
import io.hearth.protocol.Errno;
import io.hearth.protocol.Groups;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Maps;
import io.hearth.protocol.meta.ClusterMap;
import io.hearth.protocol.meta.GroupInfo;
import io.hearth.protocol.meta.LayoutReply;
import io.hearth.protocol.meta.LayoutReq;
import io.hearth.protocol.meta.MapGetReq;
import io.hearth.protocol.meta.MapSetReq;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.NodeInfo;
import io.hearth.protocol.meta.SessionExpireReq;
import io.hearth.protocol.meta.SessionInfo;
import io.hearth.protocol.meta.SessionListReq;
import io.hearth.rpc.Futures;
import io.hearth.rpc.RaftClients;
import io.hearth.rpc.ReplyCodec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * The membership operations behind {@code hearth admin}: the node records of the cluster map
 * (compare-and-set, retried on conflict), the meta group's configuration (Ratis admin calls), and
 * the checks that refuse a change that would lose a quorum or the last copy of blocks. The data
 * replicas themselves are moved by the servers' mover; these calls ask for it and watch it.
 */
public final class Membership implements AutoCloseable {
  public static final int REPLICAS = 3;

  /** Compare-and-set attempts of one map edit before giving up (each conflict is a real change). */
  static final int MAP_ATTEMPTS_MAX = 20;

  /** A configuration change that adds a member waits for it to catch up (a snapshot install). */
  static final long CONF_TIMEOUT_MS = 600_000;

  static final Duration SURVEY_TIMEOUT = Duration.ofSeconds(2);

  private final ClusterSpec spec;
  private final MetaClient meta;

  public Membership(ClusterSpec spec) {
    this.spec = spec;
    this.meta = new MetaClient(spec.metaGroup());
  }

  private MetaReply call(MetaRequest.Builder req, boolean read) throws HearthException {
    MetaRequest r = req.setCaller(Credentials.ROOT.toCaller()).build();
    return Futures.join(read ? meta.read(r) : meta.write(r));
  }

  /**
   * The cluster map. A new cluster's meta leader writes the first within a second or two of its
   * election; until then this waits, at most {@link #FIRST_MAP_WAIT_MS} (then ENOENT).
   */
  public ClusterMap map() throws HearthException {
    followMembers();
    long deadline = System.currentTimeMillis() + FIRST_MAP_WAIT_MS;
    while (true) {
      try {
        return call(MetaRequest.newBuilder().setMapGet(MapGetReq.getDefaultInstance()), true)
            .getMap();
      } catch (HearthException e) {
        if (e.errno() != Errno.ENOENT || System.currentTimeMillis() > deadline) {
          throw e;
        }
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new HearthException(Errno.EIO, "interrupted");
      }
    }
  }

  static final long FIRST_MAP_WAIT_MS = 30_000;

  /** Every open client session, with what it holds and when the leader last heard from it. */
  public List<SessionInfo> sessions() throws HearthException {
    MetaRequest r =
        MetaRequest.newBuilder()
            .setCaller(Credentials.ROOT.toCaller())
            .setSessionList(SessionListReq.getDefaultInstance())
            .build();
    try {
      // to the leader (a follower refuses it with NotLeader and the client follows): only the
      // leader knows when it last heard each session and what each holds open
      RaftClientReply reply = meta.raft().io().sendReadOnlyNonLinearizable(ReplyCodec.message(r));
      return ReplyCodec.meta(reply).getSessions().getSessionsList();
    } catch (IOException e) {
      throw e instanceof HearthException h ? h : ReplyCodec.failure(e);
    }
  }

  /**
   * Ends a session now, as its expiry would: its locks and leases are released (its waiters woken),
   * files only it held open are reaped, and its client's next write is refused.
   */
  public void evict(long session, String by) throws HearthException {
    call(
        MetaRequest.newBuilder()
            .setSessionExpire(
                SessionExpireReq.newBuilder().addSessions(session).setReason("evicted by " + by)),
        false);
  }

  /** Applies an edit to the current map, again on a conflicting change; the new map. */
  public ClusterMap update(UnaryOperator<ClusterMap> edit) throws HearthException {
    for (int i = 0; i < MAP_ATTEMPTS_MAX; i++) {
      ClusterMap m = map();
      ClusterMap next = edit.apply(m);
      if (next == m) {
        return m;
      }
      try {
        return call(
                MetaRequest.newBuilder()
                    .setMapSet(MapSetReq.newBuilder().setExpectEpoch(m.getEpoch()).setMap(next)),
                false)
            .getMap();
      } catch (HearthException e) {
        if (e.errno() != Errno.ESTALE) {
          throw e;
        }
      }
    }
    throw new HearthException(Errno.EAGAIN, "the cluster map kept changing; try again");
  }

  /**
   * Points the meta client at the meta group's current members (at most every {@link
   * #FOLLOW_EVERY_MS}): a command that runs for a long time (decommission) outlives members named
   * on its command line.
   */
  private void followMembers() {
    long now = System.currentTimeMillis();
    if (now - lastFollowMs < FOLLOW_EVERY_MS) {
      return;
    }
    lastFollowMs = now;
    try {
      meta.followMembers(metaPeers());
    } catch (HearthException e) {
      // the next call tries again; this one goes to the members known so far
    }
  }

  static final long FOLLOW_EVERY_MS = 5_000;
  private long lastFollowMs;

  /** The meta group's members as the cluster reports them. */
  public List<RaftPeer> metaPeers() throws HearthException {
    LayoutReply l =
        call(MetaRequest.newBuilder().setLayout(LayoutReq.getDefaultInstance()), true).getLayout();
    List<RaftPeer> out = new ArrayList<>();
    l.getMetaPeersList()
        .forEach(
            p ->
                out.add(RaftPeer.newBuilder().setId(p.getId()).setAddress(p.getAddress()).build()));
    return out;
  }

  public ClusterStatus metaStatus() {
    return ClusterStatus.gather(spec, SURVEY_TIMEOUT);
  }

  public DataSurvey survey(ClusterMap m) {
    return DataSurvey.gather(m, SURVEY_TIMEOUT);
  }

  private static RaftClient adminClient(RaftGroup group, long timeoutMs) {
    return RaftClients.of(group, RaftClients.ADMIN.withTimeoutMs(timeoutMs));
  }

  private static RaftGroup metaGroup(List<RaftPeer> peers) {
    return RaftGroup.valueOf(RaftGroupId.valueOf(Groups.META), peers);
  }

  /** A node address: host:port[:streamPort], the stream port defaulting to port + 1000. */
  public static NodeInfo nodeInfo(String id, String address) throws HearthException {
    String[] parts = address.split(":");
    try {
      if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty()) {
        throw new NumberFormatException();
      }
      int port = Integer.parseInt(parts[1]);
      int stream = parts.length == 3 ? Integer.parseInt(parts[2]) : port + 1000;
      if (port <= 0 || port > 65535 || stream <= 0 || stream > 65535) {
        throw new NumberFormatException();
      }
      return NodeInfo.newBuilder()
          .setId(id)
          .setAddress(parts[0] + ":" + port)
          .setStreamAddress(parts[0] + ":" + stream)
          .build();
    } catch (NumberFormatException e) {
      throw new HearthException(
          Errno.EINVAL, "address '" + address + "' is not host:port or host:port:streamPort");
    }
  }

  /**
   * Adds a running server (started with {@code --join}) to the meta group, which first catches it
   * up (a snapshot of the namespace, then the log), then records it in the map as active; the mover
   * then gives it data groups. Returns how long the catch-up took.
   */
  public Duration addNode(String id, String address) throws HearthException {
    NodeInfo n = nodeInfo(id, address);
    ClusterMap m = map();
    if (Maps.node(m, id).isPresent()) {
      throw new HearthException(Errno.EEXIST, "node " + id + " is already in the cluster map");
    }
    List<RaftPeer> peers = metaPeers();
    if (peers.stream().anyMatch(p -> p.getId().toString().equals(id))) {
      throw new HearthException(Errno.EEXIST, "node " + id + " is already in the meta group");
    }
    RaftPeer added =
        RaftPeer.newBuilder()
            .setId(id)
            .setAddress(n.getAddress())
            .setDataStreamAddress(n.getStreamAddress())
            .build();
    if (!hostsMeta(added)) {
      throw new HearthException(
          Errno.EHOSTUNREACH,
          "no server "
              + id
              + " waits at "
              + n.getAddress()
              + ": start it first with 'hearth server --id "
              + id
              + " --address "
              + address
              + " --data-dir DIR --join "
              + spec
              + "'");
    }
    List<RaftPeer> next = new ArrayList<>(peers);
    next.add(added);
    long start = System.nanoTime();
    snapshotMeta(peers);
    setMetaConf(peers, next);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    update(map -> Maps.withNode(map, n));
    return took;
  }

  /**
   * Has the meta leader take a snapshot (a RocksDB checkpoint) and purge the log before it, so that
   * a new member is sent the checkpoint and the short log after it instead of the whole log
   * replayed. Best effort: without it the member is caught up by replay, only slower.
   */
  private void snapshotMeta(List<RaftPeer> peers) {
    ClusterStatus s = metaStatus();
    if (s.leaderId() == null) {
      return;
    }
    try (RaftClient c = adminClient(metaGroup(peers), SNAPSHOT_TIMEOUT_MS)) {
      c.getSnapshotManagementApi(RaftPeerId.valueOf(s.leaderId()))
          .create(true, SNAPSHOT_TIMEOUT_MS);
    } catch (IOException | RuntimeException e) {
      // replay it is
    }
  }

  static final long SNAPSHOT_TIMEOUT_MS = 120_000;

  private static boolean hostsMeta(RaftPeer p) {
    try (RaftClient c = adminClient(metaGroup(List.of(p)), 5_000)) {
      // list, not info: a division that waits to be added has no log to describe yet
      return c.getGroupManagementApi(p.getId())
          .list()
          .getGroupIds()
          .contains(RaftGroupId.valueOf(Groups.META));
    } catch (IOException | RuntimeException e) {
      return false; // gRPC reports a refused connection unchecked
    }
  }

  private void setMetaConf(List<RaftPeer> current, List<RaftPeer> next) throws HearthException {
    try (RaftClient c = adminClient(metaGroup(current), CONF_TIMEOUT_MS)) {
      RaftClientReply r = c.admin().setConfiguration(next);
      if (!r.isSuccess()) {
        throw new HearthException(Errno.EIO, "meta group change failed: " + r.getException());
      }
    } catch (IOException e) {
      throw ReplyCodec.failure(e);
    }
  }

  /**
   * Takes a node out of the meta group (leadership moves away first if it leads), and marks it
   * removed in the map: the mover moves its data replicas to other nodes.
   */
  public void removeNode(String id) throws HearthException {
    List<RaftPeer> peers = metaPeers();
    if (peers.stream().anyMatch(p -> p.getId().toString().equals(id))) {
      ClusterStatus s = metaStatus();
      if (id.equals(s.leaderId())) {
        String to =
            s.members().stream()
                .filter(mb -> mb.reachable() && !mb.id().equals(id))
                .map(ClusterStatus.Member::id)
                .findFirst()
                .orElse(null);
        try {
          transferLeader(to);
        } catch (HearthException e) {
          // Best effort (the leader may have changed meanwhile): Ratis hands leadership on
          // itself when the leader commits its own removal, after one election timeout.
        }
      }
      List<RaftPeer> next = peers.stream().filter(p -> !p.getId().toString().equals(id)).toList();
      setMetaConf(peers, next);
    }
    update(
        m ->
            Maps.node(m, id)
                .map(n -> Maps.withNode(m, n.toBuilder().setState(NodeInfo.State.REMOVED).build()))
                .orElse(m));
  }

  /** Sets a node's state (and, for a replacement, where its replicas go first). */
  public ClusterMap setState(String id, NodeInfo.State state, String replacedBy)
      throws HearthException {
    return update(
        m -> {
          NodeInfo n = Maps.node(m, id).orElseThrow();
          return Maps.withNode(m, n.toBuilder().setState(state).setReplacedBy(replacedBy).build());
        });
  }

  /** Moves the meta group's leadership to {@code to} (any other member when null). */
  public String transferLeader(String to) throws HearthException {
    List<RaftPeer> peers = metaPeers();
    ClusterStatus s = metaStatus();
    String target = to;
    if (target == null) {
      target =
          s.members().stream()
              .filter(m -> m.reachable() && !m.id().equals(s.leaderId()))
              .map(ClusterStatus.Member::id)
              .findFirst()
              .orElseThrow(
                  () -> new HearthException(Errno.EHOSTUNREACH, "no other member answers"));
    }
    String t = target;
    if (peers.stream().noneMatch(p -> p.getId().toString().equals(t))) {
      throw new HearthException(Errno.ENOENT, t + " is not a member of the meta group");
    }
    HearthException last = null;
    for (int attempt = 0; attempt < TRANSFER_ATTEMPTS_MAX; attempt++) {
      try (RaftClient c = adminClient(metaGroup(peers), TRANSFER_TIMEOUT_MS * 2)) {
        RaftClientReply r =
            c.admin().transferLeadership(RaftPeerId.valueOf(t), TRANSFER_TIMEOUT_MS);
        if (r.isSuccess()) {
          return t;
        }
        last = new HearthException(Errno.EIO, "leadership transfer failed: " + r.getException());
      } catch (IOException e) {
        last = ReplyCodec.failure(e);
      }
      if (t.equals(metaStatus().leaderId())) {
        return t; // it moved after all (the reply was about a stale view)
      }
    }
    throw last;
  }

  /**
   * While a transfer runs, the leader takes no writes: a transfer that cannot finish must give up
   * soon, not hold every client for long. An election on loopback takes well under a second.
   */
  static final long TRANSFER_TIMEOUT_MS = 3_000;

  static final int TRANSFER_ATTEMPTS_MAX = 3;

  public ClusterMap requestRebalance(long rateBytesPerSec, int thresholdPct)
      throws HearthException {
    return update(
        m ->
            m.toBuilder()
                .setEpoch(m.getEpoch() + 1)
                .setRebalancing(true)
                .setMoveRateBytes(rateBytesPerSec)
                .setRebalanceThresholdPct(thresholdPct)
                .build());
  }

  /**
   * Why taking {@code id} out (its replicas moved elsewhere, then out of the meta group) would lose
   * a quorum or the last copy of blocks; empty when it is safe.
   */
  public List<String> refusals(String id) throws HearthException {
    ClusterMap m = map();
    List<String> why = new ArrayList<>();
    if (Maps.node(m, id).isEmpty()) {
      throw new HearthException(Errno.ENOENT, "no node " + id + " in the cluster map");
    }
    ClusterStatus meta = metaStatus();
    boolean metaMember = meta.members().stream().anyMatch(x -> x.id().equals(id));
    if (metaMember) {
      List<ClusterStatus.Member> rest =
          meta.members().stream().filter(x -> !x.id().equals(id)).toList();
      long up = rest.stream().filter(ClusterStatus.Member::reachable).count();
      if (rest.isEmpty() || up <= rest.size() / 2) {
        why.add(
            "the meta group would keep "
                + rest.size()
                + " members of which only "
                + up
                + " answer: it would lose its majority. Start the unreachable members first"
                + " (hearth admin status shows which)");
      }
    }
    List<GroupInfo> held = Maps.groupsOf(m, id);
    long otherActive =
        m.getNodesList().stream()
            .filter(n -> !n.getId().equals(id) && n.getState() == NodeInfo.State.ACTIVE)
            .count();
    if (!held.isEmpty() && otherActive < REPLICAS) {
      why.add(
          "only "
              + otherActive
              + " other active node(s) would be left for "
              + REPLICAS
              + " replicas of its "
              + held.size()
              + " data group(s): add a node first (hearth admin add-node)");
    }
    DataSurvey s = survey(m);
    boolean selfUp = Optional.ofNullable(s.reachability().get(id)).orElse(false) || held.isEmpty();
    for (GroupInfo g : held) {
      Map<String, DataSurvey.Replica> reps = s.of(g.getNumber());
      List<String> others = g.getMembersList().stream().filter(x -> !x.equals(id)).toList();
      List<String> good =
          others.stream()
              .filter(
                  x ->
                      reps.get(x) != null
                          && reps.get(x).reachable()
                          && reps.get(x).stat().getMissingBlocks() == 0)
              .toList();
      long up = others.stream().filter(x -> reps.get(x) != null && reps.get(x).reachable()).count();
      if (selfUp && good.isEmpty() && s.blocks(g.getNumber()) > 0) {
        why.add(
            id
                + " holds the only complete copy of data group "
                + g.getNumber()
                + "'s blocks that answers now ("
                + describe(others, reps)
                + "): taking it out would lose blocks. Bring the others back and let them repair"
                + " (hearth admin status), then try again");
      } else if (up < (selfUp ? 1 : 2)) {
        why.add(
            "data group "
                + g.getNumber()
                + " would lose its majority ("
                + describe(others, reps)
                + "): start its other members first");
      }
    }
    return why;
  }

  private static String describe(List<String> nodes, Map<String, DataSurvey.Replica> reps) {
    List<String> out = new ArrayList<>();
    for (String n : nodes) {
      DataSurvey.Replica r = reps.get(n);
      if (r == null || !r.reachable()) {
        out.add(n + ": unreachable");
      } else if (r.stat().getMissingBlocks() > 0) {
        out.add(n + ": " + r.stat().getMissingBlocks() + " blocks missing");
      } else {
        out.add(n + ": complete");
      }
    }
    return String.join(", ", out);
  }

  @Override
  public void close() throws IOException {
    meta.close();
  }
}
