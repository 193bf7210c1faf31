package io.hearth.client.meta;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.meta.MetaBatch;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.rpc.ReplyCodec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Group commit for one kind of call (writes or reads). A call leaves at once while fewer than
 * {@code inFlightMax} sends are under way, so a lone caller pays no added latency; calls that
 * arrive while the pipe is full wait, and leave together as one {@link MetaBatch} (one Raft entry,
 * one RPC, one retry-cache slot) when a send returns. Many threads then share the cost of a round
 * trip instead of queueing one entry each.
 *
 * <p>Order: calls leave in the order they were submitted, within a batch and across batches; a
 * group ({@link #submitAll}) always leaves in one batch.
 *
 * <p>Bounds: at most {@link Limits#BATCH_REQUESTS_MAX} calls a batch, at most {@link #QUEUE_MAX}
 * waiting (more fail at once with EAGAIN). Thread-safe.
 */
final class Batcher {
  static final int QUEUE_MAX = 8192;

  private record Pending(MetaRequest request, CompletableFuture<MetaReply> reply) {}

  /** Calls that must leave in one batch: one Raft entry, applied in their order, all at once. */
  private record Group(List<Pending> calls) {}

  private final int inFlightMax;
  private final Function<MetaRequest, CompletableFuture<MetaReply>> send;
  private final ArrayDeque<Group> queue = new ArrayDeque<>();
  private int inFlight;

  /**
   * @param send sends one request (a single call or a batch) and completes with its reply, or fails
   *     with a HearthException
   */
  Batcher(int inFlightMax, Function<MetaRequest, CompletableFuture<MetaReply>> send) {
    this.inFlightMax = inFlightMax;
    this.send = send;
  }

  CompletableFuture<MetaReply> submit(MetaRequest request) {
    return submitAll(List.of(request)).get(0);
  }

  /**
   * Sends {@code requests} together, in one batch (one Raft entry), in their order: none of them is
   * applied without the others being applied right after it. At most {@link
   * Limits#BATCH_REQUESTS_MAX} requests.
   */
  List<CompletableFuture<MetaReply>> submitAll(List<MetaRequest> requests) {
    if (requests.isEmpty() || requests.size() > Limits.BATCH_REQUESTS_MAX) {
      throw new IllegalArgumentException(requests.size() + " requests in one group");
    }
    List<Pending> calls = new ArrayList<>(requests.size());
    for (MetaRequest r : requests) {
      calls.add(new Pending(r, new CompletableFuture<>()));
    }
    List<CompletableFuture<MetaReply>> replies = calls.stream().map(Pending::reply).toList();
    List<Pending> now;
    synchronized (this) {
      if (queue.size() >= QUEUE_MAX) {
        HearthException busy =
            new HearthException(
                Errno.EAGAIN, QUEUE_MAX + " calls already waiting for the meta group");
        return calls.stream().map(c -> CompletableFuture.<MetaReply>failedFuture(busy)).toList();
      }
      queue.add(new Group(calls));
      if (inFlight >= inFlightMax) {
        return replies;
      }
      inFlight++;
      now = drain();
    }
    dispatch(now);
    return replies;
  }

  /** The calls of the groups at the head of the queue that fit one batch (at least one group). */
  private List<Pending> drain() {
    List<Pending> out = new ArrayList<>();
    while (!queue.isEmpty()
        && (out.isEmpty()
            || out.size() + queue.peek().calls().size() <= Limits.BATCH_REQUESTS_MAX)) {
      out.addAll(queue.poll().calls());
    }
    return out;
  }

  private void dispatch(List<Pending> group) {
    if (group.size() == 1) {
      Pending p = group.get(0);
      send.apply(p.request())
          .whenComplete(
              (r, t) -> {
                sendNext();
                complete(p, r, t);
              });
      return;
    }
    MetaBatch.Builder b = MetaBatch.newBuilder();
    for (Pending p : group) {
      b.addRequests(p.request());
    }
    send.apply(MetaRequest.newBuilder().setBatch(b).build())
        .whenComplete(
            (r, t) -> {
              sendNext();
              for (int i = 0; i < group.size(); i++) {
                complete(group.get(i), t == null ? r.getBatch().getReplies(i) : null, t);
              }
            });
  }

  private void sendNext() {
    List<Pending> next;
    synchronized (this) {
      if (queue.isEmpty()) {
        inFlight--;
        return;
      }
      next = drain();
    }
    dispatch(next);
  }

  private static void complete(Pending p, MetaReply r, Throwable t) {
    if (t != null) {
      p.reply().completeExceptionally(t);
      return;
    }
    try {
      p.reply().complete(ReplyCodec.check(r));
    } catch (HearthException e) {
      p.reply().completeExceptionally(e);
    }
  }
}
