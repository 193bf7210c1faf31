package io.hearth.client.meta;

import com.google.protobuf.InvalidProtocolBufferException;
import io.hearth.client.ClusterSpec;
import io.hearth.protocol.Errno;
import io.hearth.protocol.Groups;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;

/**
 * Sends namespace requests to the meta group through one Ratis client.
 *
 * <p>Writes go to the leader (found and followed by Ratis) and are retried with the same call id
 * after a leader change, so the server's retry cache answers a retried mkdir with its first reply:
 * exactly-once. Reads are linearizable (ReadIndex on the leader). A request that still has no
 * answer after {@link #RETRY_ATTEMPTS_MAX} attempts fails with ETIMEDOUT.
 *
 * <p>Thread-safe; calls may be issued concurrently and are pipelined.
 */
public final class MetaClient implements AutoCloseable {
  public static final int RETRY_ATTEMPTS_MAX = 600;
  public static final long RETRY_SLEEP_MS = 100;
  public static final long REQUEST_TIMEOUT_MS = 3000;

  /**
   * A linearizable read not answered within this is sent again (then after twice as long, and so
   * on): a follower that was asked just as the leader died holds it until {@link
   * #REQUEST_TIMEOUT_MS}, and Ratis's client then spends as long again closing that channel.
   */
  public static final long READ_ATTEMPT_TIMEOUT_MS = 1000;

  /**
   * How long Ratis's client keeps retrying one read attempt (at least the longest attempt timeout
   * of {@link ReadRetry}): an abandoned attempt ends by then instead of being retried for minutes.
   */
  static final long READ_RATIS_RETRY_MS = 10_000;

  /** The longest a caller waits for any one call, whatever the retries underneath are doing. */
  public static final long CALL_DEADLINE_MS = 60_000;

  public static final long READ_RETRY_DEADLINE_MS = 30_000;

  /** Sends under way at once, per kind; more concurrent calls wait and leave as one batch. */
  public static final int WRITES_IN_FLIGHT_MAX = 2;

  public static final int READS_IN_FLIGHT_MAX = 4;

  /** Replaced when the meta group's members change (see {@link #followMembers}). */
  private volatile RaftClient raft;

  private volatile RaftGroup group;
  private final Batcher writes = new Batcher(WRITES_IN_FLIGHT_MAX, this::sendWrite);
  private final Batcher reads = new Batcher(READS_IN_FLIGHT_MAX, this::sendRead);

  public MetaClient(ClusterSpec spec) {
    this.group = groupOf(spec);
    this.raft = newClient(group);
  }

  private static RaftClient newClient(RaftGroup group) {
    RaftProperties props = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(
        props, TimeDuration.valueOf(REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS));
    RetryPolicy each =
        RetryPolicies.retryUpToMaximumCountWithFixedSleep(
            RETRY_ATTEMPTS_MAX, TimeDuration.valueOf(RETRY_SLEEP_MS, TimeUnit.MILLISECONDS));
    RequestTypeDependentRetryPolicy.Builder byType = RequestTypeDependentRetryPolicy.newBuilder();
    for (RaftClientRequestProto.TypeCase t : RaftClientRequestProto.TypeCase.values()) {
      byType.setRetryPolicy(t, each);
    }
    // A read this client has given up on and sent again must not live on inside Ratis's client.
    byType.setTimeout(
        RaftClientRequestProto.TypeCase.READ,
        TimeDuration.valueOf(READ_RATIS_RETRY_MS, TimeUnit.MILLISECONDS));
    RetryPolicy retry = byType.build();
    return RaftClient.newBuilder()
        .setRaftGroup(group)
        .setProperties(props)
        .setRetryPolicy(retry)
        .build();
  }

  /**
   * Follows the meta group's members as the cluster reports them (the layout's meta peers): when
   * their addresses differ from the ones this client knows, later calls go through a new Ratis
   * client that knows them; the old one is closed after {@link #CALL_DEADLINE_MS}, when no call can
   * still be waiting on it. Without this, a mount whose every original server was replaced one by
   * one would be left with addresses nobody listens on.
   */
  public synchronized void followMembers(List<RaftPeer> members) {
    if (members.isEmpty() || addresses(members).equals(addresses(group.getPeers()))) {
      return;
    }
    RaftGroup next = RaftGroup.valueOf(group.getGroupId(), members);
    RaftClient old = raft;
    group = next;
    raft = newClient(next);
    Thread.ofVirtual()
        .name("retire-meta-client")
        .start(
            () -> {
              try {
                Thread.sleep(CALL_DEADLINE_MS);
              } catch (InterruptedException e) {
                // close now
              }
              try {
                old.close();
              } catch (IOException e) {
                // nothing left to do with it
              }
            });
  }

  private static java.util.Set<String> addresses(java.util.Collection<RaftPeer> peers) {
    java.util.Set<String> out = new java.util.TreeSet<>();
    peers.forEach(p -> out.add(p.getAddress()));
    return out;
  }

  /**
   * An id for a member given by address alone. Ratis routes by address and learns the real ids from
   * the leader's replies; the placeholder only has to be unique within this client.
   */
  public static String placeholderId(ClusterSpec.Member m) {
    return "addr-" + m.host().replace(':', '_') + "-" + m.port();
  }

  /** The meta group as a spec names it: real ids where given, placeholders elsewhere. */
  public static RaftGroup groupOf(ClusterSpec spec) {
    List<RaftPeer> peers =
        spec.members().stream()
            .map(
                m ->
                    RaftPeer.newBuilder()
                        .setId(m.id() != null ? m.id() : placeholderId(m))
                        .setAddress(m.address())
                        .build())
            .toList();
    return RaftGroup.valueOf(RaftGroupId.valueOf(Groups.META), peers);
  }

  public RaftClient raft() {
    return raft;
  }

  public RaftGroup group() {
    return group;
  }

  /** A namespace change, through the Raft log; concurrent changes share entries (Batcher). */
  public CompletableFuture<MetaReply> write(MetaRequest req) {
    return writes.submit(req);
  }

  /**
   * Namespace changes applied together, in this order, in one Raft entry (at most {@link
   * io.hearth.protocol.Limits#BATCH_REQUESTS_MAX}); each gets its own reply.
   */
  public List<CompletableFuture<MetaReply>> writeAll(List<MetaRequest> reqs) {
    return writes.submitAll(reqs);
  }

  private CompletableFuture<MetaReply> sendWrite(MetaRequest req) {
    Message m = toMessage(req);
    return withDeadline(
        ReadRetry.run(
            () -> decode(raft.async().send(m)),
            MetaClient::refusedUnlogged,
            READ_RETRY_DEADLINE_MS));
  }

  /**
   * A write the leader refused before logging it, so sending it again cannot apply it twice: the
   * leader was stepping down or handing leadership over (a transfer, or its own removal from the
   * group), which Ratis's client reports instead of retrying.
   */
  static boolean refusedUnlogged(HearthException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof LeaderSteppingDownException
          || t instanceof TransferLeadershipException
          || t instanceof LeaderNotReadyException
          || t instanceof NotLeaderException) {
        return true;
      }
    }
    return false;
  }

  /**
   * A linearizable read. Ratis does not retry a read that finds no leader (during an election it
   * fails with ReadIndexException at once); reads change nothing, so they are retried here until
   * {@link #READ_RETRY_DEADLINE_MS}, with backoff.
   */
  public CompletableFuture<MetaReply> read(MetaRequest req) {
    return reads.submit(req);
  }

  private CompletableFuture<MetaReply> sendRead(MetaRequest req) {
    Message m = toMessage(req);
    return withDeadline(
        ReadRetry.run(
            () -> decode(raft.async().sendReadOnlyUnordered(m)),
            MetaClient::isRetriable,
            READ_RETRY_DEADLINE_MS,
            READ_ATTEMPT_TIMEOUT_MS));
  }

  private static CompletableFuture<MetaReply> withDeadline(CompletableFuture<MetaReply> f) {
    return f.orTimeout(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS)
        .exceptionallyCompose(
            t -> {
              Throwable c =
                  t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
              if (c instanceof TimeoutException) {
                return CompletableFuture.failedFuture(
                    new HearthException(
                        Errno.ETIMEDOUT,
                        "no answer from the meta group within "
                            + CALL_DEADLINE_MS
                            + " ms; is a majority of servers up? (hearth admin status)"));
              }
              return CompletableFuture.failedFuture(c);
            });
  }

  /**
   * Failures that say nothing about the request itself: no leader, leader moved, unreachable, or an
   * attempt Ratis's client gave up on after its read timeout.
   */
  static boolean isRetriable(HearthException e) {
    return e.errno() == Errno.EHOSTUNREACH || e.getCause() instanceof RaftRetryFailureException;
  }

  /**
   * A read served by one given server from its own replica, whatever its role (not linearizable).
   *
   * <p>Sent through the blocking API on a virtual thread, not {@code async().sendStaleRead}: in
   * Ratis 3.2.0 an async stale read goes through the client's ordered stream, whose first request
   * is preceded by a dummy watch that is not addressed to the chosen server (RATIS-2497); seen here
   * as a stale read that one of three servers never answers from a fresh client, until timeout.
   */
  public CompletableFuture<MetaReply> readLocal(MetaRequest req, RaftPeerId server) {
    Message m = toMessage(req);
    CompletableFuture<RaftClientReply> reply = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("meta-read-local-" + server)
        .start(
            () -> {
              try {
                reply.complete(raft.io().sendStaleRead(m, 0, server));
              } catch (Throwable t) {
                reply.completeExceptionally(t);
              }
            });
    return decode(reply);
  }

  private static Message toMessage(MetaRequest req) {
    return Message.valueOf(ByteString.copyFrom(req.toByteArray()));
  }

  private static CompletableFuture<MetaReply> decode(CompletableFuture<RaftClientReply> f) {
    return f.handle(
        (reply, error) -> {
          if (error != null) {
            throw new CompletionException(toHearth(error));
          }
          if (!reply.isSuccess()) {
            throw new CompletionException(toHearth(reply.getException()));
          }
          MetaReply r;
          try {
            r = MetaReply.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
          } catch (InvalidProtocolBufferException e) {
            throw new CompletionException(
                new HearthException(Errno.EIO, "unreadable reply from server", e));
          }
          if (r.getErrno() != 0) {
            throw new CompletionException(
                new HearthException(Errno.of(r.getErrno()), r.getError()));
          }
          return r;
        });
  }

  /** Maps a Ratis failure to an errno: the server's own errno when it sent one. */
  public static HearthException toHearth(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof HearthException h) {
      return h;
    }
    if (t instanceof StateMachineException sme) {
      // The server's HearthException arrives as text: "...HearthException: ENOENT: detail".
      String msg = String.valueOf(sme.getMessage());
      for (int i = msg.indexOf('E'); i >= 0; i = msg.indexOf('E', i + 1)) {
        Errno e = (i == 0 || msg.charAt(i - 1) == ' ') ? Errno.parsePrefix(msg.substring(i)) : null;
        if (e != null && msg.startsWith(e.name() + ": ", i)) {
          return new HearthException(e, msg.substring(i + e.name().length() + 2), sme);
        }
      }
      return new HearthException(Errno.EIO, msg, sme);
    }
    if (t instanceof RaftRetryFailureException) {
      return new HearthException(
          Errno.ETIMEDOUT,
          "no meta leader answered; is a majority of servers up? " + t.getMessage(),
          t);
    }
    if (t instanceof AlreadyClosedException) {
      return new HearthException(Errno.EIO, "client closed", t);
    }
    if (t instanceof IOException) {
      return new HearthException(Errno.EHOSTUNREACH, "cluster unreachable: " + t.getMessage(), t);
    }
    return new HearthException(Errno.EIO, String.valueOf(t), t);
  }

  @Override
  public void close() throws IOException {
    raft.close();
  }
}
