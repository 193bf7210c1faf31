package io.hearth.server.data;

import io.hearth.protocol.Groups;
import io.hearth.protocol.data.BlockInfos;
import io.hearth.protocol.data.DataReply;
import io.hearth.protocol.data.DataRequest;
import io.hearth.protocol.data.DataStat;
import io.hearth.protocol.data.DataStatReq;
import io.hearth.protocol.data.DeleteBlocks;
import io.hearth.protocol.data.ListBlocks;
import io.hearth.protocol.data.ListMissing;
import io.hearth.protocol.meta.BlockList;
import io.hearth.protocol.meta.BlockRef;
import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.meta.GcDoneReq;
import io.hearth.protocol.meta.GcListReq;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.UnreferencedReq;
import io.hearth.rpc.ClientCache;
import io.hearth.rpc.MonoClock;
import io.hearth.rpc.RaftClients;
import io.hearth.rpc.ReplyCodec;
import io.hearth.server.loop.LoopRunner;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes blocks no file refers to, while this node leads the meta group.
 *
 * <ul>
 *   <li><b>Queue:</b> the meta state machine queues a block when its last reference goes (unlink,
 *       truncate, overwrite). Each round takes a page of the queue, deletes those blocks through
 *       their data groups' logs (so every replica deletes them), then removes them from the queue.
 *       Every step is idempotent, so a leader change mid-round only repeats work.
 *   <li><b>Orphans:</b> a writer that dies between committing a block and committing the file's
 *       chunk map leaves a block nothing refers to and nothing queued. Every {@code graceMs / 4}
 *       the data groups are listed; blocks older than {@code graceMs} that the namespace does not
 *       reference are deleted. The namespace refuses chunk-map commits of blocks older than {@code
 *       graceMs / 2}, so an orphan that is old enough can never be referenced later.
 * </ul>
 *
 * <p>Which blocks to delete and which are old enough to be orphans are pure functions ({@link
 * GcPlan}); a round reads, decides, then deletes. Block ages are wall-clock times (the commit time
 * the data group recorded), so the orphan cutoff comes from the injected wall {@link Clock}; when
 * rounds and scans run comes from the injected {@link MonoClock}.
 *
 * <p>Threads: rounds run one at a time on a {@link LoopRunner}, every {@code intervalMs} while this
 * node leads the meta group. Each RPC has a deadline; a failed round is retried later (backing off
 * to {@link #FAILURE_DELAY_ROUNDS_MAX} intervals).
 */
public final class BlockGc implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BlockGc.class);
  private static final int PAGE_MAX = 1024;

  /** Longest wait after failed rounds, in intervals. */
  static final int FAILURE_DELAY_ROUNDS_MAX = 4;

  private final RaftServer server;
  private final Supplier<DataLayout> layout;
  private final MonoClock clock;
  private final Clock wallClock;
  private final long graceMs;
  private final long orphanScanEveryNanos;
  private final LoopRunner loop;
  private final ClientCache dataClients = new ClientCache(RaftClients.SERVICE);
  private final ClientCache metaClients = new ClientCache(RaftClients.SERVICE);
  private volatile boolean closed;

  /**
   * When the last orphan scan started (clock nanos); touched only by rounds, which never overlap.
   */
  private long orphanScanNanos;

  private boolean orphanScanned;

  /**
   * @param layout the data groups as this server knows them now (they change with the cluster map)
   * @param clock when rounds and orphan scans run
   * @param wallClock the time blocks' ages are measured against
   */
  public BlockGc(
      RaftServer server,
      Supplier<DataLayout> layout,
      MonoClock clock,
      Clock wallClock,
      long graceMs,
      long intervalMs) {
    this.server = server;
    this.layout = layout;
    this.clock = clock;
    this.wallClock = wallClock;
    this.graceMs = graceMs;
    this.orphanScanEveryNanos =
        TimeUnit.MILLISECONDS.toNanos(GcPlan.orphanScanEveryMs(intervalMs, graceMs));
    this.loop =
        LoopRunner.onVirtualThreads(
            "block-gc",
            clock,
            LoopRunner.Schedule.every(intervalMs, intervalMs * FAILURE_DELAY_ROUNDS_MAX),
            this::isMetaLeader,
            this::round);
  }

  public void start() {
    loop.start();
  }

  private boolean isMetaLeader() {
    try {
      return server.getDivision(META).getInfo().isLeader();
    } catch (IOException e) {
      return false;
    }
  }

  private static final RaftGroupId META = RaftGroupId.valueOf(Groups.META);

  /** One round: drain the queue, then (when due) scan for orphans. */
  public void round() throws IOException {
    int deleted;
    do {
      deleted = drainQueuePage();
    } while (deleted == PAGE_MAX && !closed);
    for (DataLayout.Group g : layout.get().groups()) {
      sweepUnstored(g);
    }
    long startNanos = clock.nanos();
    if (!orphanScanned || startNanos - orphanScanNanos >= orphanScanEveryNanos) {
      int orphans = 0;
      for (DataLayout.Group g : layout.get().groups()) {
        orphans += scanOrphans(g.number());
      }
      if (orphans > 0) {
        LOG.info("block GC deleted {} orphan blocks", orphans);
      }
      orphanScanned = true;
      orphanScanNanos = startNanos;
    }
  }

  private int drainQueuePage() throws IOException {
    MetaReply r =
        meta(
            MetaRequest.newBuilder().setGcList(GcListReq.newBuilder().setMax(PAGE_MAX)).build(),
            true);
    List<BlockRef> refs = r.getBlocks().getBlocksList();
    if (refs.isEmpty()) {
      return 0;
    }
    deleteFromGroups(refs);
    meta(
        MetaRequest.newBuilder().setGcDone(GcDoneReq.newBuilder().addAllBlocks(refs)).build(),
        false);
    LOG.debug("block GC deleted {} blocks", refs.size());
    return refs.size();
  }

  private void deleteFromGroups(List<BlockRef> refs) throws IOException {
    Set<Integer> groups = new HashSet<>();
    layout.get().groups().forEach(g -> groups.add(g.number()));
    for (var e : GcPlan.deletes(refs, groups).entrySet()) {
      data(
          e.getKey(),
          DataRequest.newBuilder()
              .setDelete(DeleteBlocks.newBuilder().addAllIds(e.getValue()))
              .build(),
          false);
    }
  }

  /**
   * Deletes the blocks of a group that every member lacks and no file names (see {@link
   * GcPlan#missingEverywhere}): left to the orphan scan, each would count as under-replicated on
   * every member for the whole grace period. Cheap while nothing is missing: one stat per member.
   */
  private void sweepUnstored(DataLayout.Group g) throws IOException {
    RaftGroup rg = g.raftGroup();
    RaftClient c = dataClient(g.number());
    List<Set<Long>> missing = new ArrayList<>();
    for (RaftPeer p : rg.getPeers()) {
      missing.add(missingOn(c, p));
    }
    List<Long> ids = GcPlan.missingEverywhere(missing);
    if (ids.isEmpty()) {
      return;
    }
    List<BlockRef> refs =
        ids.stream()
            .map(id -> BlockRef.newBuilder().setGroup(g.number()).setId(id).build())
            .toList();
    BlockList unreferenced =
        meta(
                MetaRequest.newBuilder()
                    .setUnreferenced(UnreferencedReq.newBuilder().addAllBlocks(refs))
                    .build(),
                true)
            .getBlocks();
    if (unreferenced.getBlocksCount() > 0) {
      deleteFromGroups(unreferenced.getBlocksList());
      LOG.info(
          "block GC deleted {} blocks of group {} committed without their bytes",
          unreferenced.getBlocksCount(),
          g.number());
    }
    if (unreferenced.getBlocksCount() < refs.size()) {
      LOG.warn(
          "group {}: {} blocks files refer to are missing on every replica: their data is lost",
          g.number(),
          refs.size() - unreferenced.getBlocksCount());
    }
  }

  /** A member's missing ids (the first page is all a sweep needs), or null when it is silent. */
  private static Set<Long> missingOn(RaftClient c, RaftPeer p) {
    try {
      DataStat st =
          ReplyCodec.data(
                  c.io()
                      .sendStaleRead(
                          ReplyCodec.message(
                              DataRequest.newBuilder()
                                  .setStat(DataStatReq.getDefaultInstance())
                                  .build()),
                          0,
                          p.getId()))
              .getStat();
      if (st.getMissingBlocks() == 0) {
        return Set.of();
      }
      BlockInfos page =
          ReplyCodec.data(
                  c.io()
                      .sendStaleRead(
                          ReplyCodec.message(
                              DataRequest.newBuilder()
                                  .setListMissing(ListMissing.newBuilder().setMax(PAGE_MAX))
                                  .build()),
                          0,
                          p.getId()))
              .getList();
      Set<Long> ids = new HashSet<>();
      page.getBlocksList().forEach(b -> ids.add(b.getId()));
      return ids;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private int scanOrphans(int group) throws IOException {
    long cutoffNs = GcPlan.orphanCutoffNs(wallClock.millis(), graceMs);
    long after = 0;
    int deleted = 0;
    while (!closed) {
      DataReply r =
          data(
              group,
              DataRequest.newBuilder()
                  .setList(ListBlocks.newBuilder().setAfter(after).setMax(PAGE_MAX))
                  .build(),
              true);
      BlockInfos page = r.getList();
      if (page.getBlocksCount() > 0) {
        after = page.getBlocks(page.getBlocksCount() - 1).getId();
      }
      List<BlockRef> old = GcPlan.orphanCandidates(group, page.getBlocksList(), cutoffNs);
      if (!old.isEmpty()) {
        BlockList unreferenced =
            meta(
                    MetaRequest.newBuilder()
                        .setUnreferenced(UnreferencedReq.newBuilder().addAllBlocks(old))
                        .build(),
                    true)
                .getBlocks();
        if (unreferenced.getBlocksCount() > 0) {
          deleteFromGroups(unreferenced.getBlocksList());
          deleted += unreferenced.getBlocksCount();
        }
      }
      if (!page.getMore()) {
        break;
      }
    }
    return deleted;
  }

  private MetaReply meta(MetaRequest req, boolean read) throws IOException {
    MetaRequest withCaller = req.toBuilder().setCaller(Caller.newBuilder().setUid(0)).build();
    Message m = ReplyCodec.message(withCaller);
    RaftClient c = metaClient();
    return ReplyCodec.meta(read ? c.io().sendReadOnly(m) : c.io().send(m));
  }

  private DataReply data(int group, DataRequest req, boolean read) throws IOException {
    Message m = ReplyCodec.message(req);
    RaftClient c = dataClient(group);
    return ReplyCodec.data(read ? c.io().sendReadOnly(m) : c.io().send(m));
  }

  /** A client of the meta group as this server's replica has its members now. */
  private synchronized RaftClient metaClient() throws IOException {
    return metaClients.of(server.getDivision(META).getGroup());
  }

  private synchronized RaftClient dataClient(int number) throws IOException {
    RaftGroup g = group(number);
    if (g == null) {
      throw new IOException("no data group " + number + " in the layout");
    }
    return dataClients.of(g);
  }

  private RaftGroup group(int number) {
    return layout.get().groups().stream()
        .filter(g -> g.number() == number)
        .map(DataLayout.Group::raftGroup)
        .findFirst()
        .orElse(null);
  }

  @Override
  public synchronized void close() {
    closed = true;
    loop.close();
    dataClients.close();
    metaClients.close();
  }
}
