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
import io.hearth.rpc.MonoClock;
import io.hearth.server.config.Peer;
import io.hearth.server.data.DataLayout;
import io.hearth.server.loop.LoopRunner;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
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
 *       cancels the move. At most {@link MovePlan#MOVES_MAX} moves are under way at once.
 *   <li><b>Rebalance:</b> while the map asks for it, moves one group replica at a time from the
 *       node with the most block bytes to the one with the fewest, until they differ by less than
 *       the threshold; the copying is throttled on every node by the map's move rate.
 * </ul>
 *
 * <p>Each step plans, then acts: it gathers the facts ({@link MoveFacts}: the map, the members'
 * stats, the voters of each group with a move under way, whether each joining node hosts its
 * group), decides one {@link MoveStep} from them ({@link MovePlan}, pure), and performs it: the
 * configuration change first, then the map. A map change is a compare-and-set: a conflicting change
 * ends the step, and the next one starts from the new map.
 *
 * <p>Threads: the steps run one at a time on a {@link LoopRunner}, every {@link #STEP_MS} while
 * this node leads the meta group; member stats are gathered in parallel with a deadline each.
 */
public final class Mover implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Mover.class);
  public static final int REPLICAS = DataLayout.REPLICAS;
  static final long STEP_MS = 1_000;

  /** Longest wait after failed steps (no leader, a group not answering). */
  static final long FAILURE_DELAY_MAX_MS = 8_000;

  private final RaftServer raft;
  private final ClusterView view;
  private final List<Peer> initialPeers;
  private final LoopRunner loop;
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  /** Touched only by steps, which never overlap. */
  private Map<Integer, Long> catchUpTargets = Map.of();

  /**
   * @param initialPeers the configured peers of a server that formed the cluster (the first map is
   *     theirs); empty on a server that joined, which never writes a first map
   */
  public Mover(RaftServer raft, ClusterView view, List<Peer> initialPeers, MonoClock clock) {
    this.raft = raft;
    this.view = view;
    this.initialPeers = List.copyOf(initialPeers);
    this.loop =
        LoopRunner.onVirtualThreads(
            "mover",
            clock,
            LoopRunner.Schedule.every(STEP_MS, FAILURE_DELAY_MAX_MS),
            this::isMetaLeader,
            this::step);
  }

  public void start() {
    loop.start();
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
    MoveFacts facts = gather();
    MoveStep next = MovePlan.next(facts, catchUpTargets);
    catchUpTargets = MovePlan.catchUpTargets(facts);
    for (MovePlan.Stuck s : MovePlan.stuck(facts.map())) {
      if (warned.add(s.group() + "/" + s.leaving())) {
        LOG.warn(s.message());
      }
    }
    perform(facts.map(), next);
  }

  // --- gathering the facts ---

  private MoveFacts gather() throws IOException {
    ClusterMap m = readMap();
    if (m == null) {
      return new MoveFacts(null, initialPeers, new Survey(Map.of()), Map.of(), Set.of());
    }
    Map<Integer, Set<String>> voters = new HashMap<>();
    Set<Integer> joinerHosts = new HashSet<>();
    for (GroupInfo g : m.getGroupsList()) {
      if (g.getJoining().isEmpty()) {
        continue;
      }
      RaftGroup all = raftGroup(m, g);
      try {
        voters.put(
            g.getNumber(),
            GroupCalls.voters(all).stream()
                .map(p -> p.getId().toString())
                .collect(Collectors.toUnmodifiableSet()));
      } catch (IOException e) {
        LOG.debug("data group {}: no member told its voters: {}", g.getNumber(), e.toString());
        continue;
      }
      RaftPeer joining = peerOf(all, g.getJoining());
      if (joining != null
          && !voters.get(g.getNumber()).contains(g.getJoining())
          && GroupCalls.hosts(all, joining)) {
        joinerHosts.add(g.getNumber());
      }
    }
    return new MoveFacts(m, initialPeers, survey(m), voters, joinerHosts);
  }

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

  /** The member of the group with this id, or null if the map has no address for it. */
  private static RaftPeer peerOf(RaftGroup g, String id) {
    return g.getPeers().stream()
        .filter(p -> p.getId().toString().equals(id))
        .findFirst()
        .orElse(null);
  }

  // --- acting ---

  /** The step's configuration change, then its map change (see {@link MoveStep}). */
  private void perform(ClusterMap m, MoveStep step) throws IOException {
    if (step instanceof MoveStep.VotersUnknown u) {
      throw new IOException("data group " + u.group() + ": no member told its voters");
    }
    String line = step.describe(m);
    if (line != null) {
      LOG.info(line);
    }
    MoveStep.Voters v = step.voters(m);
    if (v != null) {
      GroupInfo g = Maps.group(m, v.group()).orElseThrow();
      GroupCalls.setConfiguration(
          raftGroup(m, g),
          List.copyOf(peersGroup(v.group(), ClusterMaps.peers(m, v.ids())).getPeers()));
    }
    ClusterMap next = step.nextMap(m);
    if (next != null) {
      setMap(m == null ? 0 : m.getEpoch(), next);
    }
  }

  /** Compare-and-set; when another change came first, nothing (the next step starts from it). */
  private void setMap(long expect, ClusterMap next) throws IOException {
    MetaReply r =
        GroupCalls.meta(
            metaGroup(),
            MetaRequest.newBuilder()
                .setMapSet(MapSetReq.newBuilder().setExpectEpoch(expect).setMap(next))
                .build(),
            false);
    if (r.getErrno() == Errno.ESTALE.code()) {
      LOG.debug("map epoch {} changed meanwhile; the next step plans on the new map", expect);
      return;
    }
    if (r.getErrno() != 0) {
      throw new IOException("map_set: " + r.getError());
    }
    view.update(next);
  }

  @Override
  public void close() {
    loop.close();
  }
}
