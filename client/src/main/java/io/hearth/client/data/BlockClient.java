package io.hearth.client.data;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.data.BlockInfo;
import io.hearth.protocol.data.DataReply;
import io.hearth.protocol.data.DataRequest;
import io.hearth.protocol.data.DataStat;
import io.hearth.protocol.data.DataStatReq;
import io.hearth.protocol.data.DeleteBlocks;
import io.hearth.protocol.data.PutBlock;
import io.hearth.protocol.data.ReadBlock;
import io.hearth.protocol.meta.BlockRef;
import io.hearth.protocol.meta.DataGroup;
import io.hearth.protocol.meta.LayoutReply;
import io.hearth.rpc.Backoff;
import io.hearth.rpc.MonoClock;
import io.hearth.rpc.ReplyCodec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import java.util.zip.CRC32C;
import org.apache.ratis.client.api.DataStreamOutput;
import org.apache.ratis.io.StandardWriteOption;
import org.apache.ratis.io.WriteOption;
import org.apache.ratis.protocol.DataStreamReply;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RoutingTable;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * Writes and reads immutable blocks in the data groups.
 *
 * <p><b>Writes</b> ({@link #put}): the block's bytes go by Ratis DataStream from this client to a
 * primary member (this host's, when it holds one), which forwards them to the others; each member
 * verifies the CRCs and fsyncs before the stream succeeds, then the group logs a small commit
 * entry. So a returned {@link BlockRef} names bytes on the disks of at least a majority. When a
 * member does not answer, the stream is retried on a majority that leaves it out (it repairs its
 * copy later); when a member's disk is full the block goes to another group, or fails with ENOSPC.
 * Each put has a deadline ({@link #PUT_DEADLINE_MS}).
 *
 * <p><b>Reads</b> ({@link #read}): from one member at a time, local first, each checking the CRCs
 * of what it serves; a member that lacks the block or holds a bad copy answers an errno (and
 * repairs itself), and the next member is asked. Reads retry with backoff until {@link
 * #READ_DEADLINE_MS} while no member can serve the block.
 *
 * <p>Thread-safe; calls block the calling thread (use virtual threads for concurrency).
 */
public final class BlockClient implements AutoCloseable {
  public static final long PUT_DEADLINE_MS = 60_000;
  public static final long READ_DEADLINE_MS = 30_000;
  static final int PACKET_BYTES = 1 << 20;

  /**
   * One attempt: stream to every routed member, fsync, and the commit through the group's log. A 4
   * MiB block takes well under a second even on a loaded machine; a member that is up but stuck
   * holds a write for this long before it is routed around.
   */
  static final long ATTEMPT_TIMEOUT_MS = 8_000;

  /** Between rounds over every group or member: 50 ms doubling to 1 s, with jitter. */
  private static final Backoff BACKOFF = new Backoff(50, 1_000);

  /** How long clients of a group whose members changed are kept for the calls still using them. */
  static final long RETIRED_CLOSE_MS = 60_000;

  /** Layout refreshes after failed calls, at most one per this long. */
  static final long REFRESH_MIN_MS = 1_000;

  /** The groups as the last layout had them, in layout order, and by number. */
  private record Groups(List<DataGroupClients> list, Map<Integer, DataGroupClients> byNumber) {}

  private volatile Groups groups;
  private volatile Runnable refresh = () -> {};
  private final AtomicLong lastRefreshMs = new AtomicLong();
  private final RandomGenerator random;
  private final MonoClock clock;

  public BlockClient(LayoutReply layout) {
    this(layout, RandomGenerator.getDefault(), MonoClock.SYSTEM);
  }

  /**
   * @param random chooses the group of each new block (weighted by free space)
   */
  public BlockClient(LayoutReply layout, RandomGenerator random, MonoClock clock) {
    this.random = random;
    this.clock = clock;
    this.groups = build(layout, Map.of(), clock);
  }

  /**
   * Follows a new layout: groups whose members are unchanged keep their clients; the clients of
   * changed ones are closed after {@link #RETIRED_CLOSE_MS}, when no call can still use them.
   */
  public void update(LayoutReply layout) {
    Groups old = groups;
    Groups next = build(layout, old.byNumber(), clock);
    groups = next;
    List<DataGroupClients> retired =
        old.list().stream().filter(g -> next.byNumber().get(g.number) != g).toList();
    if (!retired.isEmpty()) {
      Thread.ofVirtual()
          .name("retire-data-clients")
          .start(
              () -> {
                try {
                  Thread.sleep(RETIRED_CLOSE_MS);
                } catch (InterruptedException e) {
                  // close now
                }
                retired.forEach(DataGroupClients::close);
              });
    }
  }

  /** What to call (at most once per {@link #REFRESH_MIN_MS}) when members stop answering. */
  public void onStale(Runnable refreshLayout) {
    this.refresh = refreshLayout;
  }

  private void refreshIfDue() {
    long now = clock.millis();
    long last = lastRefreshMs.get();
    if (now - last >= REFRESH_MIN_MS && lastRefreshMs.compareAndSet(last, now)) {
      try {
        refresh.run();
      } catch (RuntimeException e) {
        // the layout stays as it was; the next failure tries again
      }
    }
  }

  private static Groups build(
      LayoutReply layout, Map<Integer, DataGroupClients> reuse, MonoClock clock) {
    List<DataGroupClients> list = new ArrayList<>();
    Map<Integer, DataGroupClients> byNumber = new HashMap<>();
    for (DataGroup g : layout.getGroupsList()) {
      DataGroupClients c = reuse.get(g.getNumber());
      if (c == null || !c.sameMembers(g)) {
        c = new DataGroupClients(g, clock);
      }
      c.availableBytes = g.getAvailableBytes();
      list.add(c);
      byNumber.put(g.getNumber(), c);
    }
    return new Groups(List.copyOf(list), Map.copyOf(byNumber));
  }

  public int groupCount() {
    return groups.list().size();
  }

  /**
   * Where a new block's first attempt goes: a group drawn with a chance proportional to its free
   * space (emptier nodes fill first), or the next in turn while no free space is known.
   */
  private int firstGroup(List<DataGroupClients> gs) {
    long total = 0;
    for (DataGroupClients g : gs) {
      total += g.availableBytes;
    }
    if (total <= 0) {
      return Math.floorMod(random.nextInt(), gs.size());
    }
    long pick = random.nextLong(total);
    for (int i = 0; i < gs.size(); i++) {
      pick -= gs.get(i).availableBytes;
      if (pick < 0) {
        return i;
      }
    }
    return gs.size() - 1;
  }

  /** Writes one block of 1 to {@link Limits#BLOCK_MAX_BYTES} bytes; see the class comment. */
  public BlockRef put(ByteBuffer data) throws HearthException {
    int len = data.remaining();
    if (len <= 0 || len > Limits.BLOCK_MAX_BYTES) {
      throw new HearthException(Errno.EINVAL, "block of " + len + " bytes");
    }
    if (groups.list().isEmpty()) {
      throw new HearthException(Errno.EIO, "the cluster has no data groups");
    }
    PutBlock header = header(data);
    long deadline = clock.millis() + PUT_DEADLINE_MS;
    Set<Integer> full = new HashSet<>();
    HearthException last = null;
    for (int round = 0; clock.millis() < deadline; round++) {
      List<DataGroupClients> gs = groups.list();
      int start = firstGroup(gs);
      for (int k = 0; k < gs.size(); k++) {
        DataGroupClients g = gs.get((start + k) % gs.size());
        if (full.contains(g.number)) {
          continue;
        }
        List<RaftPeer> route = g.route();
        try {
          return attempt(g, route, header, data);
        } catch (HearthException e) {
          last = e;
          if (e.errno() == Errno.EINVAL) {
            throw e;
          }
        }
        Probe probe = probe(g, len);
        if (probe.full) {
          // Never route around a full disk: that member could not repair its copy either.
          full.add(g.number);
          continue;
        }
        g.suspect(probe.unreachable);
        List<RaftPeer> around = g.route();
        if (!around.equals(route)) {
          try {
            return attempt(g, around, header, data);
          } catch (HearthException e) {
            last = e;
          }
        } else {
          try {
            return withoutEachMember(g, route, header, data);
          } catch (HearthException e) {
            last = e;
          }
        }
      }
      if (full.size() == gs.size()) {
        throw new HearthException(
            Errno.ENOSPC,
            "every data group has a member whose disk is full; free space or add nodes");
      }
      refreshIfDue();
      sleep(BACKOFF.delayMs(round, random));
    }
    throw new HearthException(
        Errno.EIO,
        "could not write a block to a majority of any data group within "
            + PUT_DEADLINE_MS
            + " ms; is a majority of servers up? (hearth admin status). Last error: "
            + (last == null ? "none" : last.getMessage()));
  }

  /**
   * Every member answers a probe, yet the write failed: one of them may be up but stuck (a server
   * just restarted, a stale connection forwarding to it), which a stat does not show. Tries the
   * majorities that leave one member out, in turn; the member whose absence lets the write through
   * is left out of writes for a while ({@link DataGroupClients#SUSPECT_MS}) and repairs later.
   */
  private BlockRef withoutEachMember(
      DataGroupClients g, List<RaftPeer> route, PutBlock header, ByteBuffer data)
      throws HearthException {
    HearthException last = new HearthException(Errno.EIO, "no majority took the block");
    if (route.size() - 1 <= g.peers.size() / 2) {
      return attempt(g, route, header, data); // leaving one out would lose the majority
    }
    for (RaftPeer left : route) {
      List<RaftPeer> rest = route.stream().filter(p -> !p.equals(left)).toList();
      try {
        BlockRef b = attempt(g, rest, header, data);
        g.suspect(Set.of(left));
        return b;
      } catch (HearthException e) {
        last = e;
      }
    }
    throw last;
  }

  /** What the members of a group say about themselves after a failed write. */
  private record Probe(boolean full, Set<RaftPeer> unreachable) {}

  private Probe probe(DataGroupClients g, int len) {
    Set<RaftPeer> down = new HashSet<>();
    boolean full = false;
    for (RaftPeer p : g.peers) {
      try {
        full |= stat(g, p).getAvailableBytes() < len + 4096L;
      } catch (HearthException e) {
        down.add(p);
      }
    }
    return new Probe(full, down);
  }

  static PutBlock header(ByteBuffer data) {
    PutBlock.Builder h = PutBlock.newBuilder().setLength(data.remaining());
    CRC32C crc = new CRC32C();
    for (int off = 0; off < data.remaining(); off += Limits.CRC_CHUNK_BYTES) {
      int n = Math.min(Limits.CRC_CHUNK_BYTES, data.remaining() - off);
      crc.reset();
      crc.update(data.slice(data.position() + off, n));
      h.addCrc32C((int) crc.getValue());
    }
    return h.build();
  }

  private BlockRef attempt(
      DataGroupClients g, List<RaftPeer> route, PutBlock header, ByteBuffer data)
      throws HearthException {
    RaftPeer primary = route.get(0);
    RoutingTable.Builder rt = RoutingTable.newBuilder();
    for (int i = 1; i < route.size(); i++) {
      rt.addSuccessor(primary.getId(), route.get(i).getId());
    }
    ByteBuffer hb = ByteBuffer.wrap(DataRequest.newBuilder().setPut(header).build().toByteArray());
    try {
      DataStreamOutput out = g.streamer(primary).getDataStreamApi().stream(hb, rt.build());
      List<CompletableFuture<DataStreamReply>> writes = new ArrayList<>();
      int len = data.remaining();
      for (int off = 0; off < len; off += PACKET_BYTES) {
        int n = Math.min(PACKET_BYTES, len - off);
        boolean lastPacket = off + n == len;
        WriteOption[] opts =
            lastPacket
                ? new WriteOption[] {StandardWriteOption.SYNC, StandardWriteOption.CLOSE}
                : new WriteOption[0];
        writes.add(out.writeAsync(data.slice(data.position() + off, n), opts));
      }
      RaftClientReply reply =
          out.getRaftClientReplyFuture().get(ATTEMPT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      for (CompletableFuture<DataStreamReply> w : writes) {
        if (!w.getNow(null).isSuccess()) {
          throw new HearthException(Errno.EIO, "a member did not take the block");
        }
      }
      if (!reply.isSuccess()) {
        throw ReplyCodec.failure(reply.getException());
      }
      DataReply r = parse(reply.getMessage());
      BlockInfo b = r.getPut();
      if (!b.getStored()) {
        // The leader committed the block without its bytes: no copy is known to exist. Storing
        // the data again in a new block is safe. Nothing can refer to the empty one (only this
        // client knows its id), so it goes at once: left to the orphan GC, every replica would
        // count it missing, under-replicated, for the GC's grace period (an hour).
        dropEmpty(g, primary, b.getId());
        throw new HearthException(Errno.EIO, "block " + b.getId() + " committed without its bytes");
      }
      return BlockRef.newBuilder()
          .setGroup(g.number)
          .setId(b.getId())
          .setCommittedNs(b.getCommittedNs())
          .build();
    } catch (HearthException e) {
      g.dropStreamer(primary);
      throw e;
    } catch (Exception e) {
      g.dropStreamer(primary);
      throw ReplyCodec.failure(
          e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e);
    }
  }

  /** Deletes a block only this client knows of, through the group's log; best effort. */
  private static void dropEmpty(DataGroupClients g, RaftPeer primary, long id) {
    DataRequest del =
        DataRequest.newBuilder().setDelete(DeleteBlocks.newBuilder().addIds(id)).build();
    try {
      g.streamer(primary).async().send(ReplyCodec.message(del));
    } catch (RuntimeException e) {
      // the orphan GC deletes it later
    }
  }

  /**
   * Reads bytes [off, off + len) of a block; see the class comment.
   *
   * @throws HearthException EIO when no member could serve them before the deadline
   */
  public ByteBuffer read(BlockRef ref, int off, int len) throws HearthException {
    DataGroupClients g = groups.byNumber().get(ref.getGroup());
    if (g == null) {
      refreshIfDue();
      g = groups.byNumber().get(ref.getGroup());
    }
    if (g == null) {
      throw new HearthException(Errno.EIO, "block in unknown data group " + ref.getGroup());
    }
    Message m =
        ReplyCodec.message(
            DataRequest.newBuilder()
                .setRead(ReadBlock.newBuilder().setId(ref.getId()).setOff(off).setLen(len))
                .build());
    long deadline = clock.millis() + READ_DEADLINE_MS;
    Map<String, String> errors = new LinkedHashMap<>();
    for (int round = 0; ; round++) {
      for (RaftPeer p : g.readOrder(ref.getId())) {
        try {
          return callRaw(g, p, m).asReadOnlyByteBuffer();
        } catch (HearthException e) {
          errors.put(p.getId().toString(), e.getMessage());
          if (e.errno() == Errno.EINVAL) {
            throw new HearthException(Errno.EIO, "block " + ref.getId() + ": " + e.detail());
          }
          if (e.errno() == Errno.EHOSTUNREACH || e.errno() == Errno.ETIMEDOUT) {
            g.suspect(Set.of(p));
          }
        }
      }
      if (clock.millis() >= deadline) {
        throw new HearthException(
            Errno.EIO,
            "block "
                + ref.getGroup()
                + "/"
                + ref.getId()
                + " could not be read from any replica within "
                + READ_DEADLINE_MS
                + " ms: "
                + errors);
      }
      // The members may have moved (decommission, replacement): follow the current layout.
      refreshIfDue();
      g = groups.byNumber().getOrDefault(ref.getGroup(), g);
      sleep(BACKOFF.delayMs(round, random));
    }
  }

  /** Capacity and usage of each node, by node id (nodes that do not answer are left out). */
  public Map<String, DataStat> nodeStats() {
    Map<String, DataStat> out = new LinkedHashMap<>();
    for (DataGroupClients g : groups.list()) {
      for (RaftPeer p : g.peers) {
        try {
          DataStat s = stat(g, p);
          String id = p.getId().toString();
          DataStat prev = out.get(id);
          out.put(
              id,
              prev == null
                  ? s
                  : prev.toBuilder()
                      .setBlockBytes(prev.getBlockBytes() + s.getBlockBytes())
                      .setBlocks(prev.getBlocks() + s.getBlocks())
                      .setMissingBlocks(prev.getMissingBlocks() + s.getMissingBlocks())
                      .setRepairedBlocks(prev.getRepairedBlocks() + s.getRepairedBlocks())
                      .setRepairedBytes(prev.getRepairedBytes() + s.getRepairedBytes())
                      .build());
        } catch (HearthException ignored) {
          // left out: unreachable
        }
      }
    }
    return out;
  }

  /** Replicas each group keeps. */
  public int replicas() {
    List<DataGroupClients> gs = groups.list();
    return gs.isEmpty() ? 1 : gs.get(0).peers.size();
  }

  private DataStat stat(DataGroupClients g, RaftPeer p) throws HearthException {
    Message m =
        ReplyCodec.message(
            DataRequest.newBuilder().setStat(DataStatReq.getDefaultInstance()).build());
    return call(g, p, m).getStat();
  }

  private static DataReply call(DataGroupClients g, RaftPeer p, Message m) throws HearthException {
    return parse(callRaw(g, p, m));
  }

  /** A stale read on one member; the reply's content, or the errno it failed with. */
  private static ByteString callRaw(DataGroupClients g, RaftPeer p, Message m)
      throws HearthException {
    RaftClientReply reply;
    try {
      reply = g.reader().io().sendStaleRead(m, 0, p.getId());
    } catch (Exception e) {
      throw ReplyCodec.failure(e);
    }
    return ReplyCodec.content(reply);
  }

  private static DataReply parse(Message m) throws HearthException {
    return ReplyCodec.check(ReplyCodec.parseData(m.getContent()));
  }

  private static DataReply parse(ByteString content) throws HearthException {
    return ReplyCodec.check(ReplyCodec.parseData(content));
  }

  private static void sleep(long ms) throws HearthException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HearthException(Errno.EIO, "interrupted");
    }
  }

  @Override
  public void close() {
    groups.list().forEach(DataGroupClients::close);
  }
}
