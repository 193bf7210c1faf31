package io.hearth.server;

import io.hearth.protocol.Groups;
import io.hearth.protocol.meta.ClusterMap;
import io.hearth.rpc.MonoClock;
import io.hearth.server.cluster.ClusterView;
import io.hearth.server.cluster.Join;
import io.hearth.server.cluster.Mover;
import io.hearth.server.cluster.Reconciler;
import io.hearth.server.config.Peer;
import io.hearth.server.config.ServerConfig;
import io.hearth.server.data.BlockGc;
import io.hearth.server.data.DataLayout;
import io.hearth.server.data.DataStateMachine;
import io.hearth.server.data.RepairThrottle;
import io.hearth.server.loop.VirtualThreadClock;
import io.hearth.server.meta.MetaStateMachine;
import io.hearth.server.meta.SessionKeeper;
import io.hearth.server.meta.ops.MetaOps;
import io.hearth.server.meta.ops.StatfsOp;
import io.hearth.server.metrics.NodeMetrics;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.datastream.SupportedDataStreamType;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.CallId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Hearth server process: a Ratis server hosting the meta group and this node's data groups (one
 * state machine per group, all on one gRPC port and one DataStream port), the reconciler that hosts
 * the data groups the cluster map gives this node, and the services that run while this node leads
 * the meta group (block GC, the mover that places replicas). Not restartable: build a new one after
 * {@link #close}.
 *
 * <p>A node that forms a cluster is configured with its peers; a node that joins a running one is
 * given some of its addresses ({@code join}): at its first start it asks them for the meta group's
 * members and hosts the group without being a voter, until {@code hearth admin add-node} adds it.
 */
public final class HearthServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HearthServer.class);
  private static final long JOIN_TIMEOUT_MS = 60_000;

  private final ServerConfig config;
  private final RaftServer raft;
  private final ClusterView view;
  private final Reconciler reconciler;
  private final Mover mover;
  private final BlockGc gc;
  private final SessionKeeper sessionKeeper;
  private final io.hearth.server.cluster.StalledFollowers stalledFollowers;
  private final NodeMetrics metrics;
  private final RepairThrottle repairThrottle;

  /** A server on the system's monotonic clock ({@link VirtualThreadClock}). */
  public HearthServer(ServerConfig config, Clock clock, Consumer<Throwable> fatal)
      throws IOException {
    this(config, clock, VirtualThreadClock.INSTANCE, fatal);
  }

  /**
   * @param clock wall time: the time stamped on entries, block ages
   * @param monoClock when the control loops (reconciler, mover, block GC, repair) run
   */
  public HearthServer(
      ServerConfig config, Clock clock, MonoClock monoClock, Consumer<Throwable> fatal)
      throws IOException {
    this.config = config;
    Path dataDir = config.get(ServerConfig.DATA_DIR);
    Path raftDir = dataDir.resolve("raft");
    Files.createDirectories(raftDir);
    Peer self = config.self();
    List<Peer> peers = config.get(ServerConfig.PEERS);
    RaftGroupId metaId = RaftGroupId.valueOf(Groups.META);
    boolean existing = Files.isDirectory(raftDir.resolve(metaId.getUuid().toString()));
    long graceMs = config.get(ServerConfig.GC_GRACE_MS);
    ClusterView[] viewRef = new ClusterView[1];
    this.metrics = new NodeMetrics(config, System::nanoTime);
    MetaOps ops =
        new MetaOps(
            capacityOf(dataDir),
            stored -> viewRef[0].layoutReply(stored),
            TimeUnit.MILLISECONDS.toNanos(graceMs / 2));
    ops.recordTo(metrics.recorder(metaId));
    MetaStateMachine meta = new MetaStateMachine(clock, monoClock, ops, fatal);
    long reserve = config.get(ServerConfig.DATA_RESERVE_BYTES);
    Path blocksRoot = dataDir.resolve("blocks");
    this.repairThrottle = new RepairThrottle(clock);
    StateMachine.Registry registry =
        gid -> {
          if (gid.getUuid().equals(Groups.META)) {
            return meta;
          }
          int n = Groups.dataNumber(gid.getUuid());
          if (n < 0) {
            throw new IllegalArgumentException("group " + gid + " is not a Hearth group");
          }
          return new DataStateMachine(
              blocksRoot.resolve("g" + n),
              reserve,
              graceMs,
              clock,
              monoClock,
              fatal,
              metrics.recorder(gid),
              repairThrottle);
        };
    RaftServer.Builder b =
        RaftServer.newBuilder()
            .setServerId(RaftPeerId.valueOf(self.id()))
            .setProperties(properties(config, raftDir))
            .setStateMachineRegistry(registry)
            .setOption(
                existing ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT);
    if (!config.joining()) {
      b.setGroup(metaGroup(peers));
    }
    this.raft = b.build();
    DataLayout fallback = config.joining() ? new DataLayout(List.of()) : DataLayout.of(peers);
    this.view = new ClusterView(raft, fallback);
    viewRef[0] = view;
    // Rebalance copies at the rate the operator asked for; repair after a failure and the moves of
    // a decommission go as fast as they can (a replica short is a risk, an imbalance is not).
    this.reconciler =
        new Reconciler(raft, view, self.id(), blocksRoot, this::followMoveRate, monoClock);
    this.mover = new Mover(raft, view, config.joining() ? List.of() : peers, monoClock);
    this.gc =
        new BlockGc(
            raft, view::layout, monoClock, clock, graceMs, config.get(ServerConfig.GC_INTERVAL_MS));
    this.sessionKeeper = new SessionKeeper(raft, meta, monoClock);
    this.stalledFollowers = new io.hearth.server.cluster.StalledFollowers(raft, monoClock);
  }

  public static RaftGroup metaGroup(List<Peer> peers) {
    return RaftGroup.valueOf(
        RaftGroupId.valueOf(Groups.META), peers.stream().map(DataLayout::raftPeer).toList());
  }

  static RaftProperties properties(ServerConfig config, Path raftDir) {
    Peer self = config.self();
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
    GrpcConfigKeys.Server.setHost(p, self.host());
    GrpcConfigKeys.Server.setPort(p, self.port());
    RaftConfigKeys.DataStream.setType(p, SupportedDataStreamType.NETTY);
    NettyConfigKeys.DataStream.setHost(p, self.host());
    NettyConfigKeys.DataStream.setPort(p, self.streamPort());
    RaftServerConfigKeys.setStorageDir(p, List.of(raftDir.toFile()));
    // A sequential client pays the appender's wait on every write: Ozone sets it to 0 as well.
    RaftServerConfigKeys.Log.Appender.setWaitTimeMin(p, TimeDuration.ZERO);
    // Ratis follows every commit with a log entry of its own recording the commit index (so that a
    // restarted member can apply up to it before it hears from a leader): a second entry, with its
    // own fsync on every member, for each namespace change, which a sequential client then waits
    // behind. The state machines record their applied index in their own stores, and a restarted
    // member learns the commit index from the leader's first heartbeat.
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
    // Linearizable reads by ReadIndex, answered from the leader's lease without a heartbeat round.
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, true);
    // A fresh group's first election, spread wide: when several members time out together (a
    // loaded machine), short-lived leaders each write an entry 0, and Ratis 3.2.0 can then take a
    // follower's conflicting entry 0 for committed (a heartbeat without a previous entry) and never
    // replace it: that member stays at index 0 for good. Seen at cluster start under load; a wide
    // spread makes one member time out well before the others.
    RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(
        p, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(
        p, TimeDuration.valueOf(2, TimeUnit.SECONDS));
    // A member being added is caught up before the configuration change commits; the change fails
    // if that makes no progress for this long. Ratis's default (the election timeout) is far too
    // short for a namespace checkpoint of a few hundred MB sent in 4 MB chunks.
    RaftServerConfigKeys.setStagingTimeout(p, TimeDuration.valueOf(2, TimeUnit.MINUTES));
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(
        p, config.get(ServerConfig.SNAPSHOT_EVERY_ENTRIES));
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
    // Purge the log up to each snapshot even when a member is behind: otherwise (Ratis's default) a
    // member that is down pins the whole log on the others until it returns, and a lagging member
    // is never caught up by checkpoint (decision 5) but by replaying everything it missed.
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    // 16 MB chunks exceed gRPC's default message limit.
    RaftServerConfigKeys.Log.Appender.setSnapshotChunkSizeMax(p, SizeInBytes.valueOf("4MB"));
    return p;
  }

  private static StatfsOp.Capacity capacityOf(Path dataDir) throws IOException {
    FileStore fs = Files.getFileStore(dataDir);
    return new StatfsOp.Capacity() {
      @Override
      public long totalBytes() {
        return get(FileStore::getTotalSpace);
      }

      @Override
      public long freeBytes() {
        return get(FileStore::getUnallocatedSpace);
      }

      @Override
      public long availableBytes() {
        return get(FileStore::getUsableSpace);
      }

      private long get(IoLong f) {
        try {
          return f.apply(fs);
        } catch (IOException e) {
          return 0;
        }
      }
    };
  }

  private interface IoLong {
    long apply(FileStore fs) throws IOException;
  }

  public void start() throws IOException {
    metrics.start(raft); // first: a busy metrics port fails the start while nothing runs yet
    raft.start();
    if (config.joining() && !hostsMeta()) {
      joinMeta();
    }
    reconciler.reconcile();
    reconciler.start();
    mover.start();
    gc.start();
    sessionKeeper.start();
    stalledFollowers.start();
  }

  /** The map's move rate, applied when it changes (0, unlimited, until a rebalance asks). */
  private void followMoveRate(ClusterMap map) {
    long rate = map.getRebalancing() ? map.getMoveRateBytes() : 0;
    if (rate != appliedMoveRate) {
      appliedMoveRate = rate;
      repairThrottle.setRateBytesPerSec(rate);
      LOG.info("repair bandwidth: {}", rate == 0 ? "unlimited" : rate + " bytes/s (rebalance)");
    }
  }

  private long appliedMoveRate;

  private boolean hostsMeta() throws IOException {
    for (RaftGroupId g : raft.getGroupIds()) {
      if (g.getUuid().equals(Groups.META)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Hosts the meta group with its current members (not this node): the division then waits for the
   * leader to add it as a voter and send it the namespace (a snapshot, then the log after it).
   */
  private void joinMeta() throws IOException {
    RaftGroup group = Join.metaGroup(config.get(ServerConfig.JOIN), JOIN_TIMEOUT_MS);
    LOG.info("joining: the meta group has {}; waiting for hearth admin add-node", group.getPeers());
    RaftClientReply r =
        raft.groupManagement(
            GroupManagementRequest.newAdd(
                ClientId.randomId(), raft.getId(), CallId.getAndIncrement(), group));
    if (!r.isSuccess()) {
      throw new IOException("cannot host the meta group: " + r.getException());
    }
  }

  /** The data groups as this server knows them now (the cluster map it has applied). */
  public DataLayout layout() {
    return view.layout();
  }

  public RaftServer raft() {
    return raft;
  }

  /** The port of this node's /metrics and /health, or 0 when turned off. */
  public int metricsPort() {
    return metrics.port();
  }

  public ServerConfig config() {
    return config;
  }

  /**
   * The bandwidth block repair may take on this server (all its data groups); unlimited at start.
   */
  public RepairThrottle repairThrottle() {
    return repairThrottle;
  }

  @Override
  public void close() throws IOException {
    metrics.close();
    sessionKeeper.close();
    stalledFollowers.close();
    gc.close();
    mover.close();
    reconciler.close();
    raft.close();
  }
}
