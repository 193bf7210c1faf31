package io.hearth.server.cluster;

import io.hearth.protocol.Groups;
import io.hearth.protocol.meta.ClusterMap;
import io.hearth.rpc.MonoClock;
import io.hearth.server.loop.LoopRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.CallId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the data groups this server hosts match the cluster map its meta replica has applied.
 *
 * <ul>
 *   <li>A group the map gives this node (as member, or as the member joining it) and that it does
 *       not host is added to the Ratis server, with the group's current members as its
 *       configuration. A joining node is not among them, so its division waits for the group's
 *       leader to add it (the mover's setConfiguration) and catch it up; it never starts an
 *       election of its own.
 *   <li>A hosted group the map no longer gives this node is removed, with its Raft log and blocks,
 *       but only once the group's own Raft configuration no longer counts this node as a voter: the
 *       mover changes the configuration before the map, so both must agree before anything is
 *       deleted.
 *   <li>Before the first map exists, the groups come from the configured peers (the cluster's first
 *       start); nothing is ever removed then.
 * </ul>
 *
 * <p>A pass reads the map, the hosted groups and which of them count this node as a voter, decides
 * ({@link ReconcilePlan}, pure), then adds and removes.
 *
 * <p>Threads: passes run one at a time on a {@link LoopRunner}, every {@link #POLL_MS}; every
 * action is idempotent, so a failed one is simply tried again at a later pass.
 */
public final class Reconciler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
  static final long POLL_MS = 500;

  /** Longest wait after failed passes: a node waits for its groups at most this long. */
  static final long FAILURE_DELAY_MAX_MS = 2_000;

  private final RaftServer raft;
  private final ClusterView view;
  private final String self;
  private final Path blocksRoot;
  private final Consumer<ClusterMap> onMap;
  private final LoopRunner loop;
  private long seenEpoch = -1;

  public Reconciler(
      RaftServer raft,
      ClusterView view,
      String self,
      Path blocksRoot,
      Consumer<ClusterMap> onMap,
      MonoClock clock) {
    this.raft = raft;
    this.view = view;
    this.self = self;
    this.blocksRoot = blocksRoot;
    this.onMap = onMap;
    this.loop =
        LoopRunner.always(
            "reconciler",
            clock,
            LoopRunner.Schedule.every(POLL_MS, FAILURE_DELAY_MAX_MS),
            this::reconcile);
  }

  /** Starts the passes; the first comes a poll after the one the caller made at start. */
  public void start() {
    loop.start();
  }

  /**
   * One pass; also called once at start so that a restarted node serves its groups at once (one
   * pass at a time: two could both find a group not hosted yet).
   */
  public synchronized void reconcile() throws IOException {
    ClusterMap map = ClusterView.readLocal(raft);
    view.update(map);
    if (map != null && map.getEpoch() != seenEpoch) {
      seenEpoch = map.getEpoch();
      onMap.accept(map);
    }
    Set<RaftGroupId> hosted = hostedDataGroups();
    Set<RaftGroupId> voterIn = new HashSet<>();
    for (RaftGroupId gid : hosted) {
      if (isVoter(gid)) {
        voterIn.add(gid);
      }
    }
    ReconcilePlan plan = ReconcilePlan.of(map, view.fallback(), self, hosted, voterIn);
    for (RaftGroup g : plan.add()) {
      add(g);
    }
    for (RaftGroupId gid : plan.remove()) {
      remove(gid);
    }
  }

  private Set<RaftGroupId> hostedDataGroups() throws IOException {
    Set<RaftGroupId> out = new HashSet<>();
    for (RaftGroupId gid : raft.getGroupIds()) {
      if (Groups.dataNumber(gid.getUuid()) >= 0) {
        out.add(gid);
      }
    }
    return out;
  }

  private boolean isVoter(RaftGroupId gid) {
    try {
      RaftPeerId me = RaftPeerId.valueOf(self);
      var conf = raft.getDivision(gid).getRaftConf();
      return conf.getAllPeers().stream().anyMatch(p -> p.getId().equals(me));
    } catch (IOException e) {
      return false;
    }
  }

  private void add(RaftGroup g) throws IOException {
    RaftClientReply r =
        raft.groupManagement(
            GroupManagementRequest.newAdd(
                ClientId.randomId(), raft.getId(), CallId.getAndIncrement(), g));
    if (!r.isSuccess()) {
      throw new IOException("cannot host data group " + g.getGroupId() + ": " + r.getException());
    }
    LOG.info("hosting data group {} (members {})", dataNumber(g.getGroupId()), g.getPeers());
  }

  private void remove(RaftGroupId gid) throws IOException {
    int n = dataNumber(gid);
    RaftClientReply r =
        raft.groupManagement(
            GroupManagementRequest.newRemove(
                ClientId.randomId(), raft.getId(), CallId.getAndIncrement(), gid, true, false));
    if (!r.isSuccess()) {
      throw new IOException("cannot drop data group " + n + ": " + r.getException());
    }
    deleteTree(blocksRoot.resolve("g" + n));
    LOG.info("dropped data group {}: its replica moved to another node", n);
  }

  private static int dataNumber(RaftGroupId gid) {
    return Groups.dataNumber(gid.getUuid());
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Override
  public void close() {
    loop.close();
  }
}
