package io.hearth.cli.admin;

import io.hearth.protocol.Groups;
import io.hearth.protocol.Maps;
import io.hearth.protocol.data.DataReply;
import io.hearth.protocol.data.DataRequest;
import io.hearth.protocol.data.DataStat;
import io.hearth.protocol.data.DataStatReq;
import io.hearth.protocol.meta.ClusterMap;
import io.hearth.protocol.meta.GroupInfo;
import io.hearth.protocol.meta.NodeInfo;
import io.hearth.rpc.RaftClients;
import io.hearth.rpc.ReplyCodec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;

/**
 * Every data group of a cluster map as its members report it, asked once, in parallel, each
 * question with a deadline: a member that does not answer is listed as unreachable. A value.
 *
 * @param replicas group number -> member id -> its replica (in map order: members, then joining)
 */
public record DataSurvey(ClusterMap map, Map<Integer, Map<String, Replica>> replicas) {

  /** One member's replica of a group; stat and role are null when it did not answer. */
  public record Replica(String node, DataStat stat, String role, String error) {
    public boolean reachable() {
      return stat != null;
    }

    public boolean isLeader() {
      return RaftPeerRole.LEADER.name().equals(role);
    }
  }

  public static DataSurvey gather(ClusterMap map, Duration timeout) {
    Map<Integer, Map<String, CompletableFuture<Replica>>> asked = new LinkedHashMap<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (GroupInfo g : map.getGroupsList()) {
        RaftGroup rg = raftGroup(map, g);
        Map<String, CompletableFuture<Replica>> byNode = new LinkedHashMap<>();
        for (RaftPeer p : rg.getPeers()) {
          byNode.put(
              p.getId().toString(), CompletableFuture.supplyAsync(() -> ask(rg, p, timeout), pool));
        }
        asked.put(g.getNumber(), byNode);
      }
      Map<Integer, Map<String, Replica>> out = new LinkedHashMap<>();
      for (var e : asked.entrySet()) {
        Map<String, Replica> byNode = new LinkedHashMap<>();
        for (var r : e.getValue().entrySet()) {
          try {
            byNode.put(r.getKey(), r.getValue().get(timeout.toMillis() * 3, TimeUnit.MILLISECONDS));
          } catch (Exception x) {
            byNode.put(r.getKey(), new Replica(r.getKey(), null, null, "no answer"));
          }
        }
        out.put(e.getKey(), byNode);
      }
      return new DataSurvey(map, out);
    }
  }

  /** A group's members and joining node as Ratis peers with their addresses. */
  public static RaftGroup raftGroup(ClusterMap map, GroupInfo g) {
    Set<String> ids = new LinkedHashSet<>(g.getMembersList());
    if (!g.getJoining().isEmpty()) {
      ids.add(g.getJoining());
    }
    List<RaftPeer> peers = new ArrayList<>();
    for (String id : ids) {
      Maps.node(map, id).ifPresent(n -> peers.add(peer(n)));
    }
    return RaftGroup.valueOf(RaftGroupId.valueOf(Groups.data(g.getNumber())), peers);
  }

  public static RaftPeer peer(NodeInfo n) {
    return RaftPeer.newBuilder()
        .setId(n.getId())
        .setAddress(n.getAddress())
        .setDataStreamAddress(n.getStreamAddress())
        .build();
  }

  private static Replica ask(RaftGroup g, RaftPeer p, Duration timeout) {
    String id = p.getId().toString();
    try (RaftClient c = RaftClients.of(g, RaftClients.askOnce(timeout.toMillis()))) {
      GroupInfoReply info = c.getGroupManagementApi(p.getId()).info(g.getGroupId());
      DataRequest req = DataRequest.newBuilder().setStat(DataStatReq.getDefaultInstance()).build();
      RaftClientReply r = c.io().sendStaleRead(ReplyCodec.message(req), 0, p.getId());
      DataReply d = ReplyCodec.data(r);
      return new Replica(id, d.getStat(), info.getRoleInfoProto().getRole().name(), null);
    } catch (IOException | RuntimeException e) {
      return new Replica(id, null, null, firstLine(e));
    }
  }

  private static String firstLine(Throwable t) {
    String m = null;
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getMessage() != null) {
        m = c.getMessage();
      }
    }
    m = m == null ? t.getClass().getSimpleName() : m;
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  public Map<String, Replica> of(int group) {
    return replicas.getOrDefault(group, Map.of());
  }

  /** The most blocks any member of the group reports: the group's block count. */
  public long blocks(int group) {
    return of(group).values().stream()
        .filter(Replica::reachable)
        .mapToLong(r -> r.stat().getBlocks())
        .max()
        .orElse(0);
  }

  public long blockBytes(int group) {
    return of(group).values().stream()
        .filter(Replica::reachable)
        .mapToLong(r -> r.stat().getBlockBytes())
        .max()
        .orElse(0);
  }

  /**
   * Blocks with fewer than the group's full set of good replicas: all of the group's blocks when a
   * member does not answer or the group is short of members, else the most any member still lacks.
   */
  public long underReplicated(int group, int replicasWanted) {
    GroupInfo g = Maps.group(map, group).orElseThrow();
    boolean memberDown =
        g.getMembersList().stream()
            .anyMatch(
                id ->
                    !Optional.ofNullable(of(group).get(id)).map(Replica::reachable).orElse(false));
    if (memberDown || g.getMembersCount() < replicasWanted) {
      return blocks(group);
    }
    return g.getMembersList().stream()
        .map(id -> of(group).get(id))
        .mapToLong(r -> r.stat().getMissingBlocks())
        .max()
        .orElse(0);
  }

  public long underReplicated(int replicasWanted) {
    long n = 0;
    for (GroupInfo g : map.getGroupsList()) {
      n += underReplicated(g.getNumber(), replicasWanted);
    }
    return n;
  }

  /** Whether a node answered for any group it holds (a node holding none counts as reachable). */
  public Optional<DataStat> nodeStat(String node) {
    DataStat sum = null;
    for (var byNode : replicas.values()) {
      Replica r = byNode.get(node);
      if (r != null && r.reachable()) {
        DataStat s = r.stat();
        sum =
            sum == null
                ? s
                : sum.toBuilder()
                    .setBlocks(sum.getBlocks() + s.getBlocks())
                    .setBlockBytes(sum.getBlockBytes() + s.getBlockBytes())
                    .setMissingBlocks(sum.getMissingBlocks() + s.getMissingBlocks())
                    .build();
      }
    }
    return Optional.ofNullable(sum);
  }

  /** Members of groups, reachable or not, keyed by node: used by refusals. */
  public Map<String, Boolean> reachability() {
    Map<String, Boolean> out = new ConcurrentHashMap<>();
    for (var byNode : replicas.values()) {
      byNode.forEach((n, r) -> out.merge(n, r.reachable(), Boolean::logicalOr));
    }
    return out;
  }
}
