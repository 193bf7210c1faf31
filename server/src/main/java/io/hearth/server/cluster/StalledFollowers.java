package io.hearth.server.cluster;

import io.hearth.rpc.MonoClock;
import io.hearth.rpc.RaftClients;
import io.hearth.server.loop.LoopRunner;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leader's watch over followers that answer but no longer advance, and the one cure Ratis leaves
 * to an application: handing leadership to a caught-up member, whose new log appenders start from
 * what each follower has.
 *
 * <p>Why: Ratis 3.3.0's gRPC log appender can get stuck for a follower that was restarted under
 * load: the follower answers every heartbeat with INCONSISTENCY and the index it needs, and the
 * appender sends heartbeats only, for ever (seen in RollingRestartTest: a follower left 3,600
 * entries behind for over a minute). Such a follower counts as a member but holds nothing new, so
 * the group has one replica less than it shows, silently.
 *
 * <p>The rule ({@link Tracker}): a follower is stalled when the leader heard from it within {@link
 * #ANSWERING_MS} (it is up and reachable: a dead one is the repair path's business), its match
 * index is behind the leader's commit but within the leader's log (one further behind is being
 * installed a snapshot), and it has not moved for {@link #STALLED_MS}. The leader then transfers
 * leadership to the follower with the highest match index, at most once per {@link #COOLDOWN_MS}
 * per group, and logs why. A slow follower that makes any progress is never touched.
 *
 * <p>Threads: steps run one at a time on a {@link LoopRunner} every {@link #STEP_MS}.
 */
public final class StalledFollowers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StalledFollowers.class);
  static final long STEP_MS = 5_000;
  static final long STALLED_MS = 30_000;
  static final long ANSWERING_MS = 5_000;
  static final long COOLDOWN_MS = 60_000;
  static final long TRANSFER_TIMEOUT_MS = 10_000;

  private final RaftServer server;
  private final MonoClock clock;
  private final Map<RaftGroupId, Tracker> trackers = new HashMap<>();
  private final LoopRunner loop;

  public StalledFollowers(RaftServer server, MonoClock clock) {
    this.server = server;
    this.clock = clock;
    this.loop =
        LoopRunner.onVirtualThreads(
            "stalled-followers",
            clock,
            LoopRunner.Schedule.every(STEP_MS, STEP_MS),
            () -> true,
            this::step);
  }

  public void start() {
    loop.start();
  }

  void step() throws IOException {
    long nowMs = TimeUnit.NANOSECONDS.toMillis(clock.nanos());
    java.util.Set<RaftGroupId> groups = new java.util.HashSet<>();
    server.getGroupIds().forEach(groups::add);
    trackers.keySet().retainAll(groups); // a group moved away leaves nothing behind
    for (RaftGroupId gid : groups) {
      RaftServer.Division d = server.getDivision(gid);
      Tracker t = trackers.computeIfAbsent(gid, g -> new Tracker());
      if (!d.getInfo().isLeader()) {
        t.reset();
        continue;
      }
      List<ServerRpcProto> followers =
          d.getInfo().getRoleInfoProto().getLeaderInfo().getFollowerInfoList();
      long[] match = d.getInfo().getFollowerMatchIndices();
      if (followers.size() != match.length) {
        continue; // the configuration changed between the two reads
      }
      long commit = d.getRaftLog().getLastCommittedIndex();
      long first = d.getRaftLog().getStartIndex();
      for (int i = 0; i < match.length; i++) {
        String id = followers.get(i).getId().getId().toStringUtf8();
        long elapsedMs = followers.get(i).getLastRpcElapsedTimeMs();
        if (t.stalled(nowMs, id, match[i], commit, first, elapsedMs)) {
          transfer(d, gid, id, match[i], commit, best(followers, match, i), t, nowMs);
          break;
        }
      }
    }
  }

  /** The follower with the highest match index other than {@code not}, or null. */
  private static String best(List<ServerRpcProto> followers, long[] match, int not) {
    int best = -1;
    for (int i = 0; i < match.length; i++) {
      if (i != not && (best < 0 || match[i] > match[best])) {
        best = i;
      }
    }
    return best < 0 ? null : followers.get(best).getId().getId().toStringUtf8();
  }

  private void transfer(
      RaftServer.Division d,
      RaftGroupId gid,
      String stalled,
      long matchIndex,
      long commit,
      String to,
      Tracker t,
      long nowMs) {
    t.transferred(nowMs);
    if (to == null) {
      LOG.warn(
          "{}: follower {} stalled at {} (commit {}), and no other member to lead",
          gid,
          stalled,
          matchIndex,
          commit);
      return;
    }
    LOG.warn(
        "{}: follower {} answers but has stayed at index {} for {} s (commit {}): handing"
            + " leadership to {} so that fresh log appenders catch it up",
        gid,
        stalled,
        matchIndex,
        STALLED_MS / 1000,
        commit,
        to);
    try (RaftClient c = RaftClients.of(d.getGroup(), RaftClients.ADMIN)) {
      c.admin().transferLeadership(RaftPeerId.valueOf(to), TRANSFER_TIMEOUT_MS);
    } catch (IOException | RuntimeException e) {
      LOG.warn("{}: leadership not handed to {}: {}", gid, to, e.toString());
    }
  }

  @Override
  public void close() {
    loop.close();
  }

  /** The stall rule for one group, on the caller's clock. Not thread-safe. */
  static final class Tracker {
    private record Seen(long matchIndex, long sinceMs) {}

    private final Map<String, Seen> seen = new HashMap<>();
    private long quietUntilMs = Long.MIN_VALUE;

    void reset() {
      seen.clear();
    }

    /**
     * Whether {@code follower} is stalled now, given what the leader reports of it. One that needs
     * entries before the leader's first ({@code firstIndex}) is being sent a snapshot, which may
     * take long for a large namespace, and is not stalled.
     */
    boolean stalled(
        long nowMs,
        String follower,
        long matchIndex,
        long commit,
        long firstIndex,
        long elapsedMs) {
      Seen s = seen.get(follower);
      if (s == null
          || s.matchIndex() != matchIndex
          || matchIndex >= commit
          || matchIndex + 1 < firstIndex) {
        seen.put(follower, new Seen(matchIndex, nowMs));
        return false;
      }
      return elapsedMs <= ANSWERING_MS
          && nowMs - s.sinceMs() >= STALLED_MS
          && nowMs >= quietUntilMs;
    }

    void transferred(long nowMs) {
      quietUntilMs = nowMs + COOLDOWN_MS;
      seen.clear();
    }
  }
}
