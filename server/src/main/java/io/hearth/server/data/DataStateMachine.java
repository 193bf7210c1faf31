package io.hearth.server.data;

import com.google.protobuf.InvalidProtocolBufferException;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.data.BlockInfo;
import io.hearth.protocol.data.DataEntry;
import io.hearth.protocol.data.DataReply;
import io.hearth.protocol.data.DataRequest;
import io.hearth.protocol.data.DataStat;
import io.hearth.protocol.data.PutBlock;
import io.hearth.protocol.data.ReadBlock;
import io.hearth.rpc.MonoClock;
import io.hearth.rpc.Refusal;
import io.hearth.rpc.ReplyCodec;
import io.hearth.server.LifecycleStateMachine;
import io.hearth.server.OpRecorder;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state machine of one data group: a set of immutable blocks on this node's disk.
 *
 * <p>A block arrives as a Ratis DataStream: {@link #stream} opens a {@link BlockWriter} on every
 * replica the client routed the stream to, which verifies the CRCs and fsyncs before the stream
 * succeeds. Then the stream's header (a {@link PutBlock}, a few hundred bytes) is forwarded to the
 * leader and logged; applying it renames the temporary file into place under the entry's log index,
 * which becomes the block's id. A replica that did not receive the bytes (down, or routed around)
 * records the block as missing and the {@link Repairer} copies it from another replica. Deletes
 * (from GC) are ordinary log entries. The bytes never enter the Raft log or its snapshots.
 *
 * <p>Apply is idempotent, so the applied index is simply the latest snapshot's: replay after a
 * restart finds each block under its temporary or final name. A snapshot is the list of block ids
 * (the manifest) after an fsync of the block directories; a member that installs one from the
 * leader reconciles its blocks with it (deleting extras, repairing the absent).
 *
 * <p>Threads: Ratis calls startTransaction and query on request threads, stream writes on its
 * stream executor, applyTransaction and takeSnapshot on the single apply thread. A disk error in
 * apply stops the process (the replica could not keep what the group committed).
 */
public final class DataStateMachine extends LifecycleStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(DataStateMachine.class);

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final Path blocksDir;
  private final long reserveBytes;
  private final long tmpMaxAgeMs;
  private final Consumer<Throwable> fatal;
  private final OpRecorder recorder;
  private final RepairThrottle repairThrottle;
  private final MonoClock monoClock;
  private volatile BlockStore store;
  private volatile Repairer repairer;

  /**
   * @param blocksDir this group's block directory on this node
   * @param reserveBytes free space kept back on the data disk; a block that would eat into it gets
   *     ENOSPC
   * @param tmpMaxAgeMs age after which an uncommitted streamed block is deleted
   * @param recorder where each operation and the bytes read and written are counted (metrics)
   * @param repairThrottle the bandwidth repair may take, shared by all data groups of the server
   * @param clock the wall clock: blocks' commit times, temporary files' ages
   * @param monoClock when the repairer's loops run
   */
  public DataStateMachine(
      Path blocksDir,
      long reserveBytes,
      long tmpMaxAgeMs,
      Clock clock,
      MonoClock monoClock,
      Consumer<Throwable> fatal,
      OpRecorder recorder,
      RepairThrottle repairThrottle) {
    super(clock);
    this.monoClock = monoClock;
    this.recorder = recorder;
    this.blocksDir = blocksDir;
    this.reserveBytes = reserveBytes;
    this.tmpMaxAgeMs = tmpMaxAgeMs;
    this.fatal = fatal;
    this.repairThrottle = repairThrottle;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    store = new BlockStore(blocksDir, reserveBytes, clock);
    store.sweepTmp(clock.millis(), tmpMaxAgeMs);
    SingleFileSnapshotInfo snap = storage.loadLatestSnapshot();
    int lost = 0;
    if (snap != null) {
      setLastAppliedTermIndex(snap.getTermIndex());
      // Replay starts after the snapshot and will never name these again: blocks the snapshot says
      // this replica holds but its disk lacks (a wiped or replaced block directory).
      for (long id : readManifest(snap.getFile().getPath())) {
        lost += store.expectMissing(id) ? 1 : 0;
      }
    }
    repairer = new Repairer(server, groupId, store, monoClock, clock, tmpMaxAgeMs, repairThrottle);
    repairer.start();
    started();
    LOG.info(
        "{}: blocks in {}, snapshot {}, {} blocks of it absent here (to repair)",
        getId(),
        blocksDir,
        snap,
        lost);
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public SingleFileSnapshotInfo getLatestSnapshot() {
    return storage.getLatestSnapshot();
  }

  // --- writes ---

  @Override
  public DataApi data() {
    return new DataApi() {
      @Override
      public CompletableFuture<DataStream> stream(RaftClientRequest request) {
        try {
          DataRequest req = parse(request.getMessage().getContent());
          if (req.getOpCase() != DataRequest.OpCase.PUT) {
            throw new HearthException(Errno.EINVAL, "only a PutBlock may be streamed");
          }
          BlockWriter w =
              store.create(streamKey(request.getClientId(), request.getCallId()), req.getPut());
          return CompletableFuture.completedFuture(
              new DataStream() {
                @Override
                public DataChannel getDataChannel() {
                  return w;
                }

                @Override
                public CompletableFuture<?> cleanUp() {
                  w.abort();
                  return CompletableFuture.completedFuture(null);
                }
              });
        } catch (HearthException e) {
          return CompletableFuture.failedFuture(Refusal.of(e));
        } catch (IOException e) {
          return CompletableFuture.failedFuture(e);
        }
      }
    };
  }

  static String streamKey(ClientId clientId, long callId) {
    return clientId.getUuid() + "-" + callId;
  }

  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    TransactionContext.Builder b =
        TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request);
    try {
      DataRequest req = parse(request.getMessage().getContent());
      boolean streamed = request.is(RaftClientRequestProtoTypeCase.DATASTREAM);
      switch (req.getOpCase()) {
        case PUT -> {
          if (!streamed) {
            throw new HearthException(Errno.EINVAL, "a PutBlock must come as a DataStream");
          }
          BlockFile.check(req.getPut());
        }
        case DELETE -> {
          if (req.getDelete().getIdsCount() > 4096) {
            throw new HearthException(Errno.E2BIG, "delete of more than 4096 blocks");
          }
        }
        default ->
            throw new HearthException(Errno.EINVAL, req.getOpCase() + " is not a data write");
      }
      DataEntry entry =
          DataEntry.newBuilder()
              .setTimeNs(nowNs())
              .setRequest(
                  com.google.protobuf.ByteString.copyFrom(
                      request.getMessage().getContent().asReadOnlyByteBuffer()))
              .build();
      return b.setLogData(ByteString.copyFrom(entry.toByteArray())).build();
    } catch (HearthException e) {
      TransactionContext t = b.build();
      t.setException(Refusal.of(e));
      return t;
    }
  }

  /** Short alias: the request type cases Ratis names in its protobuf. */
  private static final class RaftClientRequestProtoTypeCase {
    static final org.apache.ratis.proto.RaftProtos.RaftClientRequestProto.TypeCase DATASTREAM =
        org.apache.ratis.proto.RaftProtos.RaftClientRequestProto.TypeCase.DATASTREAM;
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long index = entry.getIndex();
    long startNs = recorder.startNs();
    try {
      StateMachineLogEntryProto sm = entry.getStateMachineLogEntry();
      DataEntry de = DataEntry.parseFrom(sm.getLogData().asReadOnlyByteBuffer());
      DataRequest req = DataRequest.parseFrom(de.getRequest());
      DataReply reply =
          switch (req.getOpCase()) {
            case PUT -> applyPut(sm, index, de.getTimeNs(), req.getPut());
            case DELETE -> applyDelete(req.getDelete().getIdsList());
            default -> throw new IllegalStateException("logged " + req.getOpCase());
          };
      updateLastAppliedTermIndex(entry.getTerm(), index);
      recorder.record(req.getOpCase(), true, 0, startNs);
      return CompletableFuture.completedFuture(toMessage(reply));
    } catch (Throwable t) {
      LOG.error("{}: cannot apply entry {}; stopping", getId(), index, t);
      fatal.accept(t);
      return CompletableFuture.failedFuture(t);
    }
  }

  private DataReply applyPut(StateMachineLogEntryProto sm, long id, long timeNs, PutBlock put)
      throws IOException {
    String key = streamKey(ClientId.valueOf(sm.getClientId()), sm.getCallId());
    boolean stored = store.commit(key, id, timeNs, put) >= 0;
    if (stored) {
      recorder.bytesWritten(put.getLength());
    } else {
      // One line per block would flood the log of a member catching up after a long absence.
      LOG.debug("{}: block {} committed without its bytes here; repairing", getId(), id);
      repairer.enqueue(id);
    }
    return DataReply.newBuilder()
        .setPut(
            BlockInfo.newBuilder()
                .setId(id)
                .setLength(put.getLength())
                .setCommittedNs(timeNs)
                .setStored(stored))
        .build();
  }

  private DataReply applyDelete(List<Long> ids) throws IOException {
    LOG.debug("{}: deleting {} blocks (GC)", getId(), ids.size());
    for (long id : ids) {
      store.delete(id);
    }
    return DataReply.getDefaultInstance();
  }

  // --- reads ---

  @Override
  public CompletableFuture<Message> query(Message request) {
    long startNs = recorder.startNs();
    DataRequest.OpCase op = DataRequest.OpCase.OP_NOT_SET;
    int errno = 0;
    try {
      DataRequest req = parse(request.getContent());
      op = req.getOpCase();
      if (op == DataRequest.OpCase.READ && !req.getRead().getRaw()) {
        Message bytes = readBytes(req.getRead());
        recorder.bytesRead(bytes.getContent().size());
        return CompletableFuture.completedFuture(bytes);
      }
      DataReply reply =
          switch (op) {
            case READ -> {
              io.hearth.protocol.data.RawBlock raw = readRaw(req.getRead());
              recorder.bytesRead(raw.getData().size());
              yield DataReply.newBuilder().setRaw(raw).build();
            }
            case LIST -> {
              int max = Math.min(Math.max(1, req.getList().getMax()), 10_000);
              yield DataReply.newBuilder()
                  .setList(store.list(req.getList().getAfter(), max))
                  .build();
            }
            case LIST_MISSING -> {
              int max = Math.min(Math.max(1, req.getListMissing().getMax()), 10_000);
              yield DataReply.newBuilder()
                  .setList(store.missingList(req.getListMissing().getAfter(), max))
                  .build();
            }
            case STAT ->
                DataReply.newBuilder()
                    .setStat(
                        store.stat().toBuilder()
                            .setAppliedIndex(getLastAppliedTermIndex().getIndex())
                            .setRepairedBlocks(repairer.repairedBlocks())
                            .setRepairedBytes(repairer.repairedBytes()))
                    .build();
            default -> throw new HearthException(Errno.EINVAL, req.getOpCase() + " is not a read");
          };
      return CompletableFuture.completedFuture(toMessage(reply));
    } catch (HearthException e) {
      errno = e.errno().code();
      if (isBytesRead(request)) {
        return CompletableFuture.failedFuture(Refusal.of(e));
      }
      return CompletableFuture.completedFuture(toMessage(error(e)));
    } catch (IOException e) {
      errno = Errno.EIO.code();
      return CompletableFuture.completedFuture(
          toMessage(error(new HearthException(Errno.EIO, e.toString()))));
    } finally {
      recorder.record(op, false, errno, startNs);
    }
  }

  /** This replica's blocks and disk, or null before the state machine is initialized. */
  public DataStat localStat() {
    BlockStore s = store;
    if (s == null) {
      return null;
    }
    try {
      return s.stat();
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * The bytes of a block range as the reply itself, not wrapped in a DataReply: no copy on the way
   * out. A failure is the query's exception, carrying the errno in its text.
   */
  private Message readBytes(ReadBlock r) throws HearthException {
    if (r.getLen() > io.hearth.protocol.Limits.BLOCK_READ_MAX_BYTES) {
      throw new HearthException(Errno.EINVAL, "read of " + r.getLen() + " bytes");
    }
    try {
      return Message.valueOf(
          UnsafeByteOperations.unsafeWrap(store.read(r.getId(), r.getOff(), r.getLen())));
    } catch (HearthException e) {
      repairIfMissing(r.getId());
      throw e;
    } catch (IOException e) {
      throw new HearthException(Errno.EIO, e.toString());
    }
  }

  private io.hearth.protocol.data.RawBlock readRaw(ReadBlock r) throws IOException {
    try {
      return store.readRaw(r.getId());
    } catch (HearthException e) {
      repairIfMissing(r.getId());
      throw e;
    }
  }

  private void repairIfMissing(long id) {
    if (store.isMissing(id)) {
      repairer.enqueue(id);
    }
  }

  private static boolean isBytesRead(Message request) {
    try {
      DataRequest req = parse(request.getContent());
      return req.getOpCase() == DataRequest.OpCase.READ && !req.getRead().getRaw();
    } catch (HearthException e) {
      return false;
    }
  }

  static DataReply error(HearthException e) {
    return ReplyCodec.dataError(e);
  }

  private static DataRequest parse(ByteString content) throws HearthException {
    try {
      return DataRequest.parseFrom(content.asReadOnlyByteBuffer());
    } catch (InvalidProtocolBufferException e) {
      throw new HearthException(Errno.EINVAL, "malformed request: " + e.getMessage());
    }
  }

  private static Message toMessage(DataReply reply) {
    return Message.valueOf(ByteString.copyFrom(reply.toByteArray()));
  }

  // --- snapshots ---

  /** Fsyncs the block directories, then writes the manifest of block ids as the snapshot. */
  @Override
  public long takeSnapshot() throws IOException {
    TermIndex last = getLastAppliedTermIndex();
    if (last == null || last.getIndex() < 0) {
      return -1;
    }
    store.sync();
    File f = storage.getSnapshotFile(last.getTerm(), last.getIndex());
    File tmp = new File(f.getPath() + ".tmp");
    List<Long> ids = store.manifest();
    try (OutputStream os = Files.newOutputStream(tmp.toPath());
        DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(os))) {
      out.writeInt(ids.size());
      for (long id : ids) {
        out.writeLong(id);
      }
    }
    Files.move(tmp.toPath(), f.toPath(), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    var md5 = MD5FileUtil.computeAndSaveMd5ForFile(f);
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(f.toPath(), md5), last));
    storage.cleanupOldSnapshots(
        new org.apache.ratis.statemachine.SnapshotRetentionPolicy() {
          @Override
          public int getNumSnapshotsRetained() {
            return 2;
          }
        });
    return last.getIndex();
  }

  /** After a snapshot install: make the local blocks match its manifest. */
  @Override
  public void reinitialize() throws IOException {
    SingleFileSnapshotInfo snap = storage.loadLatestSnapshot();
    if (snap != null) {
      Set<Long> want = readManifest(snap.getFile().getPath());
      for (long id : store.manifest()) {
        if (!want.remove(id)) {
          store.delete(id);
        }
      }
      for (long id : want) {
        store.expectMissing(id);
        repairer.enqueue(id);
      }
      setLastAppliedTermIndex(snap.getTermIndex());
      LOG.info("{}: reconciled with snapshot {}: {} blocks to repair", getId(), snap, want.size());
    }
    resumed();
  }

  private static Set<Long> readManifest(Path f) throws IOException {
    try (InputStream is = Files.newInputStream(f);
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(is))) {
      int n = in.readInt();
      Set<Long> ids = new HashSet<>(n * 2);
      for (int i = 0; i < n; i++) {
        ids.add(in.readLong());
      }
      return ids;
    }
  }

  /** This replica's block store, for tests that inspect or damage it. */
  public Path blockFile(long id) {
    return store.fileOf(id);
  }

  @Override
  public void close() throws IOException {
    Repairer r = repairer;
    if (r != null) {
      r.close();
    }
    super.close();
  }
}
