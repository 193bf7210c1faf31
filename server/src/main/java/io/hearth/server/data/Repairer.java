package io.hearth.server.data;

import io.hearth.protocol.data.DataReply;
import io.hearth.protocol.data.DataRequest;
import io.hearth.protocol.data.ReadBlock;
import java.io.IOException;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies blocks this replica lacks (never received, or found corrupt) from the other members of its
 * group, verifying each copy before it replaces anything. One virtual thread per group works
 * through a bounded queue; ids that fail (no peer has a good copy yet) come back after a pause, and
 * every {@code RESCAN_MS} the whole missing set is queued again, so nothing dropped from the queue
 * is forgotten. The same rescan deletes temporary files of streamed blocks older than the GC grace
 * period, which no commit can name any more.
 */
final class Repairer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Repairer.class);
  private static final int QUEUE_MAX = 65_536;
  private static final long RESCAN_MS = 10_000;
  private static final long PEER_TIMEOUT_MS = 10_000;

  private final RaftServer server;
  private final RaftGroupId groupId;
  private final BlockStore store;
  private final Clock clock;
  private final long tmpMaxAgeMs;
  private final BlockingQueue<Long> queue = new LinkedBlockingQueue<>(QUEUE_MAX);
  private final Set<Long> queued = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;
  private Thread thread;

  Repairer(
      RaftServer server, RaftGroupId groupId, BlockStore store, Clock clock, long tmpMaxAgeMs) {
    this.server = server;
    this.groupId = groupId;
    this.store = store;
    this.clock = clock;
    this.tmpMaxAgeMs = tmpMaxAgeMs;
  }

  void start() {
    thread = Thread.ofVirtual().name("repair-" + groupId).start(this::run);
  }

  /** Asks for a block to be repaired; dropped if the queue is full (the rescan finds it). */
  void enqueue(long id) {
    if (queued.add(id) && !queue.offer(id)) {
      queued.remove(id);
    }
  }

  private void run() {
    long nextScan = 0;
    while (!closed) {
      try {
        if (clock.millis() >= nextScan) {
          store.missing().forEach(this::enqueue);
          // streamed blocks never committed (kept while a commit might still name them)
          sweepTmp();
          nextScan = clock.millis() + RESCAN_MS;
        }
        Long id = queue.poll(1, TimeUnit.SECONDS);
        if (id == null) {
          continue;
        }
        queued.remove(id);
        if (store.isMissing(id) && !repairFromPeers(id)) {
          Thread.sleep(200); // no good copy reachable yet; the rescan retries it
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn("{}: repair loop: {}", groupId, e.toString());
      }
    }
  }

  private void sweepTmp() {
    try {
      store.sweepTmp(clock.millis(), tmpMaxAgeMs);
    } catch (IOException e) {
      LOG.warn("{}: sweeping old temporary files: {}", groupId, e.toString());
    }
  }

  private boolean repairFromPeers(long id) {
    RaftGroup group;
    try {
      group = server.getDivision(groupId).getGroup();
    } catch (IOException e) {
      return false;
    }
    DataRequest req =
        DataRequest.newBuilder().setRead(ReadBlock.newBuilder().setId(id).setRaw(true)).build();
    try (RaftClient client = ServerClients.of(group, PEER_TIMEOUT_MS, RetryPolicies.noRetry())) {
      for (RaftPeer peer : group.getPeers()) {
        if (peer.getId().equals(server.getId())) {
          continue;
        }
        try {
          RaftClientReply r =
              client
                  .io()
                  .sendStaleRead(
                      Message.valueOf(ByteString.copyFrom(req.toByteArray())), 0, peer.getId());
          if (!r.isSuccess()) {
            continue;
          }
          DataReply reply = DataReply.parseFrom(r.getMessage().getContent().asReadOnlyByteBuffer());
          if (reply.getErrno() != 0) {
            continue;
          }
          store.repair(id, reply.getRaw());
          LOG.info("{}: repaired block {} from {}", groupId, id, peer.getId());
          return true;
        } catch (IOException e) {
          LOG.debug("{}: block {} from {}: {}", groupId, id, peer.getId(), e.toString());
        }
      }
    } catch (IOException e) {
      LOG.debug("{}: closing repair client: {}", groupId, e.toString());
    }
    return false;
  }

  @Override
  public void close() {
    closed = true;
    if (thread != null) {
      thread.interrupt();
    }
  }
}
