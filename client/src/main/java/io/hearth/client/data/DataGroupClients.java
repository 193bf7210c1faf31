package io.hearth.client.data;

import io.hearth.protocol.meta.DataGroup;
import io.hearth.protocol.meta.DataPeer;
import io.hearth.rpc.MonoClock;
import io.hearth.rpc.RaftClients;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * The Ratis clients of one data group: one per member acting as DataStream primary (block writes
 * enter the group there), and one for reads addressed to a chosen member. Members are ordered local
 * first, so writes and reads start on this host when it holds a replica.
 */
final class DataGroupClients implements AutoCloseable {
  private final MonoClock clock;
  final int number;
  final RaftGroup group;
  final List<RaftPeer> peers;

  /** The group's free space as the layout last said (0: not known). */
  volatile long availableBytes;

  private final List<DataPeer> members;

  /** How many members, from the first, are as near as the first (all local, or all remote). */
  private final int nearCount;

  private final RaftClient reader;
  private final Map<RaftPeerId, RaftClient> streamers = new ConcurrentHashMap<>();

  DataGroupClients(DataGroup g, MonoClock clock) {
    this.clock = clock;
    this.number = g.getNumber();
    this.members = List.copyOf(g.getPeersList());
    List<RaftPeer> ps = new ArrayList<>();
    for (DataPeer p : g.getPeersList()) {
      ps.add(
          RaftPeer.newBuilder()
              .setId(p.getId())
              .setAddress(p.getAddress())
              .setDataStreamAddress(p.getStreamAddress())
              .build());
    }
    ps.sort(Comparator.comparing(p -> isLocal(p) ? 0 : 1));
    this.peers = List.copyOf(ps);
    this.nearCount = (int) ps.stream().filter(p -> isLocal(p) == isLocal(ps.get(0))).count();
    ByteBuffer u = g.getUuid().asReadOnlyByteBuffer();
    this.group =
        RaftGroup.valueOf(RaftGroupId.valueOf(new UUID(u.getLong(), u.getLong())), this.peers);
    this.reader = RaftClients.of(group, RaftClients.DATA_READ);
  }

  /** Whether the group has the same members at the same addresses as {@code g}. */
  boolean sameMembers(DataGroup g) {
    return members.equals(g.getPeersList());
  }

  /** How long a member that did not answer is left out of block writes. */
  static final long SUSPECT_MS = 10_000;

  private final Map<RaftPeerId, Long> suspectUntilMs = new ConcurrentHashMap<>();

  /** Leaves members that did not answer out of writes for a while. */
  void suspect(java.util.Set<RaftPeer> down) {
    long until = clock.millis() + SUSPECT_MS;
    for (RaftPeer p : down) {
      suspectUntilMs.put(p.getId(), until);
    }
  }

  /**
   * The members a block write goes to, primary first: every member not recently unreachable, as
   * long as they are a majority (the others repair their copies later); all of them otherwise.
   */
  List<RaftPeer> route() {
    long now = clock.millis();
    List<RaftPeer> live =
        peers.stream().filter(p -> suspectUntilMs.getOrDefault(p.getId(), 0L) <= now).toList();
    return live.size() > peers.size() / 2 ? live : peers;
  }

  /** Members in the order reads try them: local first, recently unreachable ones last. */
  List<RaftPeer> readOrder(long blockId) {
    long now = clock.millis();
    List<RaftPeer> out = new ArrayList<>(peers);
    // Members as near as each other take turns by block, so one does not serve every read.
    java.util.Collections.rotate(
        out.subList(0, nearCount), (int) Math.floorMod(blockId, nearCount));
    out.sort(Comparator.comparing(p -> suspectUntilMs.getOrDefault(p.getId(), 0L) > now ? 1 : 0));
    return out;
  }

  RaftClient reader() {
    return reader;
  }

  /** The client whose DataStream enters the group at {@code primary}. */
  RaftClient streamer(RaftPeer primary) {
    return streamers.computeIfAbsent(
        primary.getId(), id -> RaftClients.streaming(group, primary, RaftClients.DATA_WRITE));
  }

  /**
   * Forgets the streaming client of a primary after a failed block write: Ratis's netty stream
   * client can keep using a dead channel after its server restarts, so the next write starts on a
   * fresh connection.
   */
  void dropStreamer(RaftPeer primary) {
    RaftClient c = streamers.remove(primary.getId());
    if (c != null) {
      closeQuietly(c);
    }
  }

  private static boolean isLocal(RaftPeer p) {
    String host = p.getAddress().substring(0, p.getAddress().lastIndexOf(':'));
    try {
      InetAddress a = InetAddress.getByName(host);
      return a.isLoopbackAddress() || NetworkInterface.getByInetAddress(a) != null;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() {
    closeQuietly(reader);
    streamers.values().forEach(DataGroupClients::closeQuietly);
  }

  private static void closeQuietly(RaftClient c) {
    RaftClients.closeQuietly(c);
  }
}
