package io.hearth.server;

import io.hearth.protocol.Groups;
import io.hearth.server.config.Peer;
import io.hearth.server.config.ServerConfig;
import io.hearth.server.meta.MetaStateMachine;
import io.hearth.server.meta.ops.MetaOps;
import io.hearth.server.meta.ops.StatfsOp;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * One Hearth server process: a Ratis server hosting the meta group, bound to the configured host.
 * Not restartable: build a new one after {@link #close}.
 */
public final class HearthServer implements AutoCloseable {
  private final ServerConfig config;
  private final RaftServer raft;

  public HearthServer(ServerConfig config, Clock clock, Consumer<Throwable> fatal)
      throws IOException {
    this.config = config;
    Path dataDir = config.get(ServerConfig.DATA_DIR);
    Path raftDir = dataDir.resolve("raft");
    Files.createDirectories(raftDir);
    Peer self = config.self();
    RaftGroup group = metaGroup(config.get(ServerConfig.PEERS));
    boolean existing = Files.isDirectory(raftDir.resolve(group.getGroupId().getUuid().toString()));
    MetaOps ops = new MetaOps(capacityOf(dataDir));
    this.raft =
        RaftServer.newBuilder()
            .setServerId(RaftPeerId.valueOf(self.id()))
            .setGroup(group)
            .setProperties(properties(config, raftDir))
            .setStateMachine(new MetaStateMachine(clock, ops, fatal))
            .setOption(
                existing ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
            .build();
  }

  public static RaftGroup metaGroup(List<Peer> peers) {
    return RaftGroup.valueOf(
        RaftGroupId.valueOf(Groups.META),
        peers.stream()
            .map(p -> RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build())
            .toList());
  }

  static RaftProperties properties(ServerConfig config, Path raftDir) {
    Peer self = config.self();
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
    GrpcConfigKeys.Server.setHost(p, self.host());
    GrpcConfigKeys.Server.setPort(p, self.port());
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
  }

  public RaftServer raft() {
    return raft;
  }

  public ServerConfig config() {
    return config;
  }

  @Override
  public void close() throws IOException {
    raft.close();
  }
}
