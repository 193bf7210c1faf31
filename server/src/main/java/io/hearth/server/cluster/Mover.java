package io.hearth.server.cluster;

import io.hearth.protocol.Errno;
import io.hearth.protocol.Groups;
import io.hearth.protocol.Maps;
import io.hearth.protocol.data.DataStat;
import io.hearth.protocol.meta.ClusterMap;
import io.hearth.protocol.meta.GroupInfo;
import io.hearth.protocol.meta.MapGetReq;
import io.hearth.protocol.meta.MapSetReq;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.NodeInfo;
import io.hearth.server.config.Peer;
import io.hearth.server.data.DataLayout;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Places data replicas, while this node leads the meta group: the cluster's only writer of data
 * groups in the map (admin commands write only node records).
 *
 * <ul>
 *   <li><b>First map:</b> on a new cluster, writes the map of the configured peers.
 *   <li><b>New groups:</b> an active node that holds no group gets a new one, with the two active
 *       nodes holding the fewest: capacity grows as nodes are added.
 *   <li><b>Moves:</b> a group with a member that is draining or removed, or with fewer than {@link
 *       #REPLICAS} members, gets a new member: the active node holding fewest groups (or the node
 *       that replaces it). A move is add-then-remove, so a group never has fewer replicas than it
 *       had: (1) the map names the joining node, whose reconciler hosts the group; (2) the group's
 *       configuration adds it (Ratis catches it up on the log); (3) it copies every block it lacks
 *       (its Repairer) until it reports none missing and has applied what the others had; (4) the
 *       configuration drops the leaving member; (5) the map records the new members. Each step is
 *       read back from the map and the group's configuration, so a new meta leader carries on where
 *       the last one stopped. A leaving node that becomes active again (recommission) before step 4
 *       cancels the move.
 *   <li><b>Rebalance:</b> while the map asks for it, moves one group replica at a time from the
 *       node with the most block bytes to the one with the fewest, until they differ by less than
 *       the threshold; the copying is throttled on every node by the map's move rate.
 * </ul>
 *
 * <p>Threads: one virtual thread, a step every {@link #STEP_MS}; member stats are gathered in
 * parallel with a deadline each. A map change is a compare-and-set: a conflicting change makes the
 * step end, and the next one starts from the new map.
 */
public final class Mover implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Mover.class);
  public static final int REPLICAS = DataLayout.REPLICAS;
  static final long STEP_MS = 1_000;

  /** Moves under way at once: each copies a group's blocks to one node. */
  static final int MOVES_MAX = 4;

  private final RaftServer raft;
  private final ClusterView view;
  private final List<Peer> initialPeers;
  private final Map<Integer, Long> catchUpTarget = new ConcurrentHashMap<>();
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;
  private Thread thread;

  /** Member stats of the last survey: group number -> node id -> stat (absent: no answer). */
  record Survey(Map<Integer, Map<String, DataStat>> stats) {
    Optional<DataStat> of(int group, String node) {
      return Optional.ofNullable(stats.getOrDefault(group, Map.of()).get(node));
    }

    long groupBytes(int group) {
      return stats.getOrDefault(group, Map.of()).values().stream()
          .mapToLong(DataStat::getBlockBytes)
          .max()
          .orElse(0);
    }
  }

  /**
   * @param initialPeers the configured peers of a server that formed the cluster (the first map is
   *     theirs); empty on a server that joined, which never writes a first map
   */
  public Mover(RaftServer raft, ClusterView view, List<Peer> initialPeers) {
    this.raft = raft;
    this.view = view;
    this.initialPeers = List.copyOf(initialPeers);
  }

  public void start() {
    thread = Thread.ofVirtual().name("mover").start(this::run);
  }

  private void run() {
    while (!closed) {
      try {
        Thread.sleep(STEP_MS);
        if (isMetaLeader()) {
          step();
        }
      } catch (InterruptedException e) {
        return;
      } catch (IOException | RuntimeException e) {
        LOG.warn("mover step failed, retrying: {}", e.toString());
      }
    }
  }

  private boolean isMetaLeader() {
    try {
      return raft.getDivision(RaftGroupId.valueOf(Groups.META)).getInfo().isLeader();
    } catch (IOException e) {
      return false;
    }
  }

  private RaftGroup metaGroup() throws IOException {
    return raft.getDivision(RaftGroupId.valueOf(Groups.META)).getGroup();
  }

  void step() throws IOException {
    ClusterMap m = readMap();
    if (m == null) {
      if (!initialPeers.isEmpty()) {
        setMap(0, ClusterMaps.initial(initialPeers));
      }
      return;
    }
    Survey s = survey(m);
    if (formNewGroup(m) || dropRemovedNodes(m)) {
      return;
    }
    int moving = 0;
    for (GroupInfo g : m.getGroupsList()) {
      if (!g.getJoining().isEmpty()) {
        moving++;
        if (advance(m, g, s)) {
          return;
        }
      }
    }
    for (GroupInfo g : m.getGroupsList()) {
      if (moving >= MOVES_MAX) {
        return;
      }
      if (g.getJoining().isEmpty() && startMove(m, g, s)) {
        return;
      }
    }
    if (m.getRebalancing() && moving == 0) {
      rebalance(m, s);
    }
  }

  // --- the map ---

  private ClusterMap readMap() throws IOException {
    MetaReply r =
        GroupCalls.meta(
            metaGroup(),
            MetaRequest.newBuilder().setMapGet(MapGetReq.getDefaultInstance()).build(),
            true);
    if (r.getErrno() == Errno.ENOENT.code()) {
      return null;
    }
    if (r.getErrno() != 0) {
      throw new IOException("map_get: " + r.getError());
    }
    return r.getMap();
  }

  /** Compare-and-set; false when another change came first (the next step sees it). */
  private boolean setMap(long expect, ClusterMap next) throws IOException {
    MetaReply r =
        GroupCalls.meta(
            metaGroup(),
            MetaRequest.newBuilder()
                .setMapSet(MapSetReq.newBuilder().setExpectEpoch(expect).setMap(next))
                .build(),
            false);
    if (r.getErrno() == Errno.ESTALE.code()) {
      return false;
    }
    if (r.getErrno() != 0) {
      throw new IOException("map_set: " + r.getError());
    }
    view.update(next);
    return true;
  }

  // --- survey ---

  private Survey survey(ClusterMap m) {
    Map<Integer, Map<String, DataStat>> out = new HashMap<>();
    List<Future<?>> asked = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (GroupInfo g : m.getGroupsList()) {
        Map<String, DataStat> byNode = new ConcurrentHashMap<>();
        out.put(g.getNumber(), byNode);
        RaftGroup rg = raftGroup(m, g);
        for (RaftPeer p : rg.getPeers()) {
          asked.add(
              pool.submit(
                  () -> {
                    try {
                      byNode.put(p.getId().toString(), GroupCalls.stat(rg, p));
                    } catch (IOException e) {
                      // no answer: the survey leaves it out
                    }
                  }));
        }
      }
      for (Future<?> f : asked) {
        try {
          f.get(2 * GroupCalls.RPC_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
          f.cancel(true);
        }
      }
    }
    for (var byNode : out.values()) {
      byNode.forEach((node, st) -> view.reportAvailable(node, st.getAvailableBytes()));
    }
    return new Survey(out);
  }

  /** The group with its members and the joining node, as Ratis peers with their addresses. */
  static RaftGroup raftGroup(ClusterMap m, GroupInfo g) {
    Set<String> ids = new LinkedHashSet<>(g.getMembersList());
    if (!g.getJoining().isEmpty()) {
      ids.add(g.getJoining());
    }
    return peersGroup(g.getNumber(), ClusterMaps.peers(m, List.copyOf(ids)));
  }

  private static RaftGroup peersGroup(int number, List<Peer> peers) {
    return new DataLayout.Group(number, peers).raftGroup();
  }

  // --- placement ---

  private static Comparator<NodeInfo> fewestGroups(ClusterMap m) {
    return Comparator.<NodeInfo>comparingInt(n -> Maps.groupsOf(m, n.getId()).size())
        .thenComparing(NodeInfo::getId);
  }

  private boolean formNewGroup(ClusterMap m) throws IOException {
    List<NodeInfo> active =
        m.getNodesList().stream().filter(n -> n.getState() == NodeInfo.State.ACTIVE).toList();
    if (active.size() < REPLICAS) {
      return false;
    }
    for (NodeInfo n : active) {
      if (Maps.groupsOf(m, n.getId()).isEmpty()) {
        List<String> members = new ArrayList<>(List.of(n.getId()));
        active.stream()
            .filter(o -> !o.getId().equals(n.getId()))
            .sorted(fewestGroups(m))
            .limit(REPLICAS - 1)
            .forEach(o -> members.add(o.getId()));
        LOG.info("forming data group {} on {}", m.getNextGroup(), members);
        return setMap(m.getEpoch(), Maps.withNewGroup(m, members));
      }
    }
    return false;
  }

  /** A removed node that no group names any more leaves the map. */
  private boolean dropRemovedNodes(ClusterMap m) throws IOException {
    for (NodeInfo n : m.getNodesList()) {
      if (n.getState() == NodeInfo.State.REMOVED && Maps.groupsOf(m, n.getId()).isEmpty()) {
        LOG.info("node {} holds no replica any more: out of the map", n.getId());
        return setMap(m.getEpoch(), Maps.withoutNode(m, n.getId()));
      }
    }
    return false;
  }

  /** Starts a move if the group needs one and a node can take it; true if the map changed. */
  private boolean startMove(ClusterMap m, GroupInfo g, Survey s) throws IOException {
    String leaving =
        g.getMembersList().stream().filter(id -> !Maps.isActive(m, id)).findFirst().orElse("");
    if (leaving.isEmpty() && g.getMembersCount() >= REPLICAS) {
      return false;
    }
    Optional<NodeInfo> target = target(m, g, leaving, s);
    if (target.isEmpty()) {
      if (warned.add(g.getNumber() + "/" + leaving)) {
        LOG.warn(
            "data group {} needs a new member ({}) but no active node can take it: add a node",
            g.getNumber(),
            leaving.isEmpty() ? "it has " + g.getMembersCount() : leaving + " is leaving");
      }
      return false;
    }
    String to = target.get().getId();
    LOG.info("data group {}: moving a replica from {} to {}", g.getNumber(), leaving, to);
    return setMap(
        m.getEpoch(), Maps.withGroup(m, g.toBuilder().setJoining(to).setLeaving(leaving).build()));
  }

  private static Optional<NodeInfo> target(ClusterMap m, GroupInfo g, String leaving, Survey s) {
    List<NodeInfo> candidates =
        m.getNodesList().stream()
            .filter(n -> n.getState() == NodeInfo.State.ACTIVE && !Maps.holds(g, n.getId()))
            .toList();
    Optional<String> preferred =
        Maps.node(m, leaving).map(NodeInfo::getReplacedBy).filter(r -> !r.isEmpty());
    if (preferred.isPresent()) {
      Optional<NodeInfo> p =
          candidates.stream().filter(n -> n.getId().equals(preferred.get())).findFirst();
      if (p.isPresent()) {
        return p;
      }
    }
    return candidates.stream().min(fewestGroups(m));
  }

  /**
   * One step of a move under way (see the class comment); true if the map changed or a
   * configuration change was made, so the step ends there.
   */
  private boolean advance(ClusterMap m, GroupInfo g, Survey s) throws IOException {
    String joining = g.getJoining();
    String leaving = g.getLeaving();
    RaftGroup all = raftGroup(m, g);
    boolean cancel =
        !Maps.isActive(m, joining)
            || (!g.getRebalance() && !leaving.isEmpty() && Maps.isActive(m, leaving));
    List<RaftPeer> voters = GroupCalls.voters(all);
    boolean joined = voters.stream().anyMatch(p -> p.getId().toString().equals(joining));
    if (cancel) {
      if (joined) {
        GroupCalls.setConfiguration(
            all, List.copyOf(peersGroup(g.getNumber(), members(m, g)).getPeers()));
      }
      LOG.info("data group {}: move to {} cancelled", g.getNumber(), joining);
      return setMap(m.getEpoch(), Maps.withGroup(m, settled(g, g.getMembersList())));
    }
    if (!joined) {
      RaftPeer j = peerOf(all, joining);
      if (!GroupCalls.hosts(all, j)) {
        return false; // its reconciler has not added the group yet
      }
      List<RaftPeer> grown = new ArrayList<>((peersGroup(g.getNumber(), members(m, g)).getPeers()));
      grown.add(j);
      LOG.info("data group {}: adding {} to its configuration", g.getNumber(), joining);
      GroupCalls.setConfiguration(all, grown);
      return true;
    }
    if (!caughtUp(g, s)) {
      return false;
    }
    List<String> next = new ArrayList<>(g.getMembersList());
    next.remove(leaving);
    next.add(joining);
    if (!leaving.isEmpty()) {
      LOG.info("data group {}: {} has every block; removing {}", g.getNumber(), joining, leaving);
      GroupCalls.setConfiguration(
          all, List.copyOf(peersGroup(g.getNumber(), ClusterMaps.peers(m, next)).getPeers()));
    }
    catchUpTarget.remove(g.getNumber());
    return setMap(m.getEpoch(), Maps.withGroup(m, settled(g, next)));
  }

  /** The group with these members and no move under way. */
  private static GroupInfo settled(GroupInfo g, List<String> members) {
    return g.toBuilder()
        .clearMembers()
        .addAllMembers(members)
        .clearJoining()
        .clearLeaving()
        .clearRebalance()
        .build();
  }

  private static List<Peer> members(ClusterMap m, GroupInfo g) {
    return ClusterMaps.peers(m, g.getMembersList());
  }

  private static RaftPeer peerOf(RaftGroup g, String id) {
    return g.getPeers().stream()
        .filter(p -> p.getId().toString().equals(id))
        .findFirst()
        .orElseThrow();
  }

  /**
   * The joining member lacks no block and has applied at least what the other members had applied
   * at the previous survey (a target that moves on with the group's writes would never be met).
   */
  private boolean caughtUp(GroupInfo g, Survey s) {
    long othersApplied =
        g.getMembersList().stream()
            .map(id -> s.of(g.getNumber(), id))
            .flatMap(Optional::stream)
            .mapToLong(DataStat::getAppliedIndex)
            .max()
            .orElse(Long.MAX_VALUE);
    Long target = catchUpTarget.put(g.getNumber(), othersApplied);
    Optional<DataStat> j = s.of(g.getNumber(), g.getJoining());
    return target != null
        && j.isPresent()
        && j.get().getMissingBlocks() == 0
        && j.get().getAppliedIndex() >= target;
  }

  private void rebalance(ClusterMap m, Survey s) throws IOException {
    Map<String, Long> used = new HashMap<>();
    for (NodeInfo n : m.getNodesList()) {
      if (n.getState() == NodeInfo.State.ACTIVE) {
        used.put(
            n.getId(),
            Maps.groupsOf(m, n.getId()).stream().mapToLong(g -> s.groupBytes(g.getNumber())).sum());
      }
    }
    if (used.size() < 2) {
      finishRebalance(m);
      return;
    }
    String most = max(used, true);
    String least = max(used, false);
    long gap = used.get(most) - used.get(least);
    int pct = m.getRebalanceThresholdPct() == 0 ? 10 : m.getRebalanceThresholdPct();
    if (gap <= used.get(most) * pct / 100) {
      finishRebalance(m);
      return;
    }
    Optional<GroupInfo> pick =
        Maps.groupsOf(m, most).stream()
            .filter(g -> !Maps.holds(g, least) && g.getMembersList().contains(most))
            .filter(g -> s.groupBytes(g.getNumber()) > 0 && s.groupBytes(g.getNumber()) < gap)
            .min(Comparator.comparingLong(g -> Math.abs(s.groupBytes(g.getNumber()) - gap / 2)));
    if (pick.isEmpty()) {
      finishRebalance(m);
      return;
    }
    GroupInfo g = pick.get();
    LOG.info("rebalance: data group {} from {} to {}", g.getNumber(), most, least);
    setMap(
        m.getEpoch(),
        Maps.withGroup(
            m, g.toBuilder().setJoining(least).setLeaving(most).setRebalance(true).build()));
  }

  private static String max(Map<String, Long> used, boolean most) {
    Comparator<Map.Entry<String, Long>> c =
        Map.Entry.<String, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey());
    return (most ? used.entrySet().stream().max(c) : used.entrySet().stream().min(c))
        .orElseThrow()
        .getKey();
  }

  private void finishRebalance(ClusterMap m) throws IOException {
    LOG.info("rebalance done");
    setMap(m.getEpoch(), m.toBuilder().setEpoch(m.getEpoch() + 1).setRebalancing(false).build());
  }

  @Override
  public void close() {
    closed = true;
    if (thread != null) {
      thread.interrupt();
    }
  }
}
