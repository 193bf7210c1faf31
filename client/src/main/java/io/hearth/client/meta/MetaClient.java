package io.hearth.client.meta;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.SessionEndedException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.rpc.Futures;
import io.hearth.rpc.RaftClients;
import io.hearth.rpc.ReplyCodec;
import io.hearth.rpc.Retry;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * Sends namespace requests to the meta group through one Ratis client.
 *
 * <p>Writes go to the leader (found and followed by Ratis) and are retried with the same call id
 * after a leader change, so the server's retry cache answers a retried mkdir with its first reply:
 * exactly-once. Reads are linearizable (ReadIndex on the leader). A request that still has no
 * answer within {@link #CALL_DEADLINE_MS} fails with ETIMEDOUT. Reads are sent again when a
 * follower holds them ({@link Retry#META_READ}); a write the leader refused before logging it is
 * sent again ({@link Retry#UNLOGGED_WRITE}); everything else is Ratis's retry with the same call id
 * ({@link RaftClients#META}).
 *
 * <p>Thread-safe; calls may be issued concurrently and are pipelined.
 */
public final class MetaClient implements AutoCloseable {
  /** The longest a caller waits for any one call, whatever the retries underneath are doing. */
  public static final long CALL_DEADLINE_MS = 60_000;

  /** Sends under way at once, per kind; more concurrent calls wait and leave as one batch. */
  public static final int WRITES_IN_FLIGHT_MAX = 2;

  public static final int READS_IN_FLIGHT_MAX = 4;

  /** Replaced when the meta group's members change (see {@link #followMembers}). */
  private volatile RaftClient raft;

  private volatile RaftGroup group;
  private final Retry retry = Retry.SYSTEM;
  private final LongAdder readsSent = new LongAdder();
  private final LongAdder writesSent = new LongAdder();

  /** Requests this client has sent (each request of a batch counted), for tests and benchmarks. */
  public record Sent(long reads, long writes) {
    public Sent minus(Sent before) {
      return new Sent(reads - before.reads, writes - before.writes);
    }
  }

  public Sent sent() {
    return new Sent(readsSent.sum(), writesSent.sum());
  }

  private final Batcher writes = new Batcher(WRITES_IN_FLIGHT_MAX, this::sendWrite);
  private final Batcher reads = new Batcher(READS_IN_FLIGHT_MAX, this::sendRead);

  /** The client's session, stamped on requests that name none (0: none open). */
  private volatile LongSupplier session = () -> 0;

  private volatile LongConsumer sessionEnded = s -> {};

  /**
   * Stamps {@code current}'s session on every request that names none, and tells {@code ended} when
   * the namespace refuses one because its session has ended: such a request is sent once more with
   * the session then current (it was refused before it changed anything). A request that names its
   * own session (a lock's, a fenced write's) is never sent again under another.
   */
  public void useSession(LongSupplier current, LongConsumer ended) {
    this.session = current;
    this.sessionEnded = ended;
  }

  private MetaRequest stamped(MetaRequest req) {
    if (req.getSession() != 0 || req.getOpCase() == MetaRequest.OpCase.SESSION_OPEN) {
      return req;
    }
    long s = session.getAsLong();
    return s == 0 ? req : req.toBuilder().setSession(s).build();
  }

  /** Sends {@code req} stamped; once more if its stamped session had ended meanwhile. */
  private CompletableFuture<MetaReply> stampedOnce(
      MetaRequest req, Function<MetaRequest, CompletableFuture<MetaReply>> send) {
    MetaRequest first = stamped(req);
    boolean mine = first != req; // stamped here: may be sent again under the next session
    return send.apply(first)
        .exceptionallyCompose(
            t -> {
              if (Futures.unwrap(t) instanceof SessionEndedException) {
                sessionEnded.accept(first.getSession());
                if (mine) {
                  return send.apply(stamped(req));
                }
              }
              return CompletableFuture.failedFuture(t);
            });
  }

  /** A client of the meta group with these members (ids may be placeholders: see ClusterSpec). */
  public MetaClient(RaftGroup group) {
    this.group = group;
    this.raft = newClient(group);
  }

  private static RaftClient newClient(RaftGroup group) {
    return RaftClients.of(group, RaftClients.META);
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

  public RaftClient raft() {
    return raft;
  }

  public RaftGroup group() {
    return group;
  }

  /** A namespace change, through the Raft log; concurrent changes share entries (Batcher). */
  public CompletableFuture<MetaReply> write(MetaRequest req) {
    writesSent.increment();
    return stampedOnce(req, writes::submit);
  }

  /**
   * Namespace changes applied together, in this order, in one Raft entry (at most {@link
   * io.hearth.protocol.Limits#BATCH_REQUESTS_MAX}); each gets its own reply.
   */
  public List<CompletableFuture<MetaReply>> writeAll(List<MetaRequest> reqs) {
    writesSent.add(reqs.size());
    List<MetaRequest> stamped = reqs.stream().map(this::stamped).toList();
    return writes.submitAll(stamped);
  }

  private CompletableFuture<MetaReply> sendWrite(MetaRequest req) {
    Message m = ReplyCodec.message(req);
    return withDeadline(
        retry.run(
            () -> decode(raft.async().send(m)),
            ReplyCodec::refusedBeforeLogging,
            Retry.UNLOGGED_WRITE));
  }

  /**
   * A linearizable read. Ratis does not retry a read that finds no leader (during an election it
   * fails with ReadIndexException at once); reads change nothing, so they are retried here until
   * {@link #READ_RETRY_DEADLINE_MS}, with backoff.
   */
  public CompletableFuture<MetaReply> read(MetaRequest req) {
    readsSent.increment();
    return reads.submit(stamped(req));
  }

  private CompletableFuture<MetaReply> sendRead(MetaRequest req) {
    Message m = ReplyCodec.message(req);
    return withDeadline(
        retry.run(
            () -> decode(raft.async().sendReadOnlyUnordered(m)),
            ReplyCodec::isTransient,
            Retry.META_READ));
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
   * A read served by one given server from its own replica, whatever its role (not linearizable).
   *
   * <p>Sent through the blocking API on a virtual thread, not {@code async().sendStaleRead}: in
   * Ratis 3.2.0 an async stale read goes through the client's ordered stream, whose first request
   * is preceded by a dummy watch that is not addressed to the chosen server (RATIS-2497); seen here
   * as a stale read that one of three servers never answers from a fresh client, until timeout.
   */
  public CompletableFuture<MetaReply> readLocal(MetaRequest req, RaftPeerId server) {
    Message m = ReplyCodec.message(req);
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

  private static CompletableFuture<MetaReply> decode(CompletableFuture<RaftClientReply> f) {
    return f.handle(
        (reply, error) -> {
          try {
            if (error != null) {
              throw ReplyCodec.failure(error);
            }
            return ReplyCodec.meta(reply);
          } catch (HearthException e) {
            throw new CompletionException(e);
          }
        });
  }

  @Override
  public void close() throws IOException {
    raft.close();
  }
}
