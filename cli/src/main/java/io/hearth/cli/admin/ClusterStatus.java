package io.hearth.cli.admin;

import io.hearth.client.ClusterSpec;
import io.hearth.rpc.RaftClients;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.LogInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;

/**
 * The health of the meta Raft group as its members report it, gathered once by {@link #gather}.
 *
 * <p>How it is gathered: the members named by the spec are asked in order for the group's
 * membership until one answers (the spec may give addresses only, and its ids are then
 * placeholders); then every real member is asked, in parallel, for its role, term and log indexes
 * through the Ratis admin API. Nothing is retried and every question has the given timeout, so
 * gathering ends within about two timeouts (membership, then members) however many servers are
 * down. A member that does not answer in time is listed as unreachable with the reason.
 *
 * <p>The result is a value: it does not change after gathering and holds no connection.
 */
public record ClusterStatus(List<Member> members, String leaderId) {

  /**
   * One member of the meta group. When unreachable, only {@code id}, {@code address} and {@code
   * error} mean something; numbers are -1 and role is null.
   *
   * @param term the leader's current term; for other roles the term of the last log entry, which
   *     equals the current term once the leader has appended in it
   * @param leaderId the leader as this member knows it, or null
   */
  public record Member(
      String id,
      String address,
      boolean reachable,
      String role,
      long term,
      long commitIndex,
      long appliedIndex,
      long lastIndex,
      String leaderId,
      String error) {
    public boolean isLeader() {
      return RaftPeerRole.LEADER.name().equals(role);
    }

    static Member unreachable(String id, String address, String error) {
      return new Member(id, address, false, null, -1, -1, -1, -1, null, error);
    }
  }

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

  public ClusterStatus {
    members = List.copyOf(members);
  }

  /** Asks the cluster; never throws for an unreachable or broken cluster, it reports it. */
  public static ClusterStatus gather(ClusterSpec spec, Duration timeout) {
    RaftGroup named = spec.metaGroup();
    ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    RaftClient client = RaftClients.of(named, RaftClients.askOnce(timeout.toMillis()));
    try {
      List<RaftPeer> peers = membership(client, named, pool, timeout);
      if (peers == null) {
        List<Member> down = new ArrayList<>();
        for (ClusterSpec.Member m : spec.members()) {
          down.add(
              Member.unreachable(m.id() != null ? m.id() : m.address(), m.address(), "no answer"));
        }
        return new ClusterStatus(down, null);
      }
      client.getClientRpc().addRaftPeers(peers);
      List<CompletableFuture<Member>> asked = new ArrayList<>();
      for (RaftPeer p : peers) {
        asked.add(CompletableFuture.supplyAsync(() -> ask(client, named, p), pool));
      }
      List<Member> out = new ArrayList<>();
      for (int i = 0; i < peers.size(); i++) {
        out.add(await(asked.get(i), peers.get(i), timeout));
      }
      out.sort(Comparator.comparing(Member::id));
      return new ClusterStatus(out, leaderOf(out));
    } finally {
      pool.shutdownNow();
      try {
        client.close();
      } catch (IOException e) {
        // the answers are in; a connection that fails to close changes none of them
      }
    }
  }

  /** The real members, from the first named server that answers in time; null if none does. */
  private static List<RaftPeer> membership(
      RaftClient client, RaftGroup named, ExecutorService pool, Duration timeout) {
    for (RaftPeer p : named.getPeers()) {
      CompletableFuture<GroupInfoReply> f =
          CompletableFuture.supplyAsync(() -> info(client, named, p), pool);
      try {
        return List.copyOf(
            f.get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS).getGroup().getPeers());
      } catch (ExecutionException | TimeoutException e) {
        f.cancel(true);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }

  private static GroupInfoReply info(RaftClient client, RaftGroup group, RaftPeer p) {
    try {
      return client.getGroupManagementApi(p.getId()).info(group.getGroupId());
    } catch (IOException e) {
      throw new java.util.concurrent.CompletionException(e);
    }
  }

  private static Member ask(RaftClient client, RaftGroup group, RaftPeer p) {
    GroupInfoReply r = info(client, group, p);
    RoleInfoProto role = r.getRoleInfoProto();
    LogInfoProto log = r.getLogInfoProto();
    String leader = null;
    long term = log.getLastEntry().getTerm();
    if (role.getRole() == RaftPeerRole.LEADER) {
      leader = p.getId().toString();
      term = role.getLeaderInfo().getTerm();
    } else if (role.hasFollowerInfo() && role.getFollowerInfo().hasLeaderInfo()) {
      String id = role.getFollowerInfo().getLeaderInfo().getId().getId().toStringUtf8();
      leader = id.isEmpty() ? null : id;
    }
    return new Member(
        p.getId().toString(),
        p.getAddress(),
        true,
        role.getRole().name(),
        term,
        log.getCommitted().getIndex(),
        log.getApplied().getIndex(),
        log.getLastEntry().getIndex(),
        leader,
        null);
  }

  private static Member await(CompletableFuture<Member> f, RaftPeer p, Duration timeout) {
    String id = p.getId().toString();
    try {
      return f.get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      return Member.unreachable(
          id, p.getAddress(), "no answer within " + timeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      return Member.unreachable(id, p.getAddress(), reason(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Member.unreachable(id, p.getAddress(), "interrupted");
    }
  }

  /** The innermost cause says most ("Connection refused: /127.0.0.1:9862"); gRPC's wrapper less. */
  private static String reason(Throwable t) {
    String m = null;
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getMessage() != null) {
        m = c.getMessage();
      }
    }
    if (m == null) {
      m = t.getClass().getSimpleName();
    }
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  /**
   * The leader with the highest term: a deposed leader cut off from the others may still say it
   * leads.
   */
  private static String leaderOf(List<Member> members) {
    return members.stream()
        .filter(Member::isLeader)
        .max(Comparator.comparingLong(Member::term))
        .map(Member::id)
        .orElse(null);
  }

  public Optional<Member> leader() {
    return members.stream().filter(m -> m.id().equals(leaderId)).findFirst();
  }

  public int reachableCount() {
    return (int) members.stream().filter(Member::reachable).count();
  }

  public boolean majorityReachable() {
    return reachableCount() > members.size() / 2;
  }

  /** A leader exists and a majority answers: the namespace can be read and changed. */
  public boolean healthy() {
    return leaderId != null && majorityReachable();
  }

  /** What is wrong and what to check, or null when healthy. */
  public String problem() {
    int up = reachableCount();
    if (up == 0) {
      return "no server answered: check the --cluster addresses (or $HEARTH_CLUSTER) and that the servers run";
    }
    if (!majorityReachable()) {
      return "only "
          + up
          + " of "
          + members.size()
          + " members answered, a majority is needed: start the unreachable ones and check their logs";
    }
    if (leaderId == null) {
      return "no leader elected yet: if this persists, check the servers' logs and that they can reach each other";
    }
    return null;
  }
}
