package io.hearth.server;

import io.hearth.protocol.Groups;
import io.hearth.server.config.Peer;
import io.hearth.server.config.ServerConfig;
import io.hearth.server.data.BlockGc;
import io.hearth.server.data.DataLayout;
import io.hearth.server.data.DataStateMachine;
import io.hearth.server.data.LayoutView;
import io.hearth.server.meta.MetaStateMachine;
import io.hearth.server.meta.ops.MetaOps;
import io.hearth.server.meta.ops.StatfsOp;
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

/**
 * One Hearth server process: a Ratis server hosting the meta group and this node's data groups (one
 * state machine per group, all on one gRPC port and one DataStream port), plus the block GC that
 * runs while this node leads the meta group. Not restartable: build a new one after {@link #close}.
 */
public final class HearthServer implements AutoCloseable {
  private final ServerConfig config;
  private final DataLayout layout;
  private final RaftServer raft;
  private final BlockGc gc;

  public HearthServer(ServerConfig config, Clock clock, Consumer<Throwable> fatal)
      throws IOException {
    this.config = config;
    Path dataDir = config.get(ServerConfig.DATA_DIR);
    Path raftDir = dataDir.resolve("raft");
    Files.createDirectories(raftDir);
    Peer self = config.self();
    List<Peer> peers = config.get(ServerConfig.PEERS);
    this.layout = DataLayout.of(peers);
    RaftGroup group = metaGroup(peers);
    boolean existing = Files.isDirectory(raftDir.resolve(group.getGroupId().getUuid().toString()));
    long graceMs = config.get(ServerConfig.GC_GRACE_MS);
    MetaOps ops =
        new MetaOps(
            capacityOf(dataDir),
            () -> LayoutView.toReply(layout),
            TimeUnit.MILLISECONDS.toNanos(graceMs / 2));
    MetaStateMachine meta = new MetaStateMachine(clock, ops, fatal);
    long reserve = config.get(ServerConfig.DATA_RESERVE_BYTES);
    StateMachine.Registry registry =
        gid -> {
          if (gid.getUuid().equals(Groups.META)) {
            return meta;
          }
          int n = LayoutView.groupNumber(layout, gid);
          return new DataStateMachine(
              dataDir.resolve("blocks").resolve("g" + n), reserve, graceMs, clock, fatal);
        };
    this.raft =
        RaftServer.newBuilder()
            .setServerId(RaftPeerId.valueOf(self.id()))
            .setGroup(group)
            .setProperties(properties(config, raftDir))
            .setStateMachineRegistry(registry)
            .setOption(
                existing ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
            .build();
    this.gc =
        new BlockGc(raft, group, layout, clock, graceMs, config.get(ServerConfig.GC_INTERVAL_MS));
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
    // Linearizable reads by ReadIndex, answered from the leader's lease without a heartbeat round.
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, true);
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
    raft.start();
    for (DataLayout.Group g : layout.groupsOf(config.self().id())) {
      RaftGroup rg = g.raftGroup();
      if (!java.util.stream.StreamSupport.stream(raft.getGroupIds().spliterator(), false)
          .toList()
          .contains(rg.getGroupId())) {
        RaftClientReply r =
            raft.groupManagement(
                GroupManagementRequest.newAdd(
                    ClientId.randomId(), raft.getId(), CallId.getAndIncrement(), rg));
        if (!r.isSuccess()) {
          throw new IOException("cannot create data group " + g.number() + ": " + r.getException());
        }
      }
    }
    gc.start();
  }

  public DataLayout layout() {
    return layout;
  }

  public RaftServer raft() {
    return raft;
  }

  public ServerConfig config() {
    return config;
  }

  @Override
  public void close() throws IOException {
    gc.close();
    raft.close();
  }
}
