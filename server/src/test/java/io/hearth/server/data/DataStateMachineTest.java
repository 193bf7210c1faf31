package io.hearth.server.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.protocol.Errno;
import io.hearth.protocol.Groups;
import io.hearth.protocol.Limits;
import io.hearth.protocol.data.DataEntry;
import io.hearth.protocol.data.DataReply;
import io.hearth.protocol.data.DataRequest;
import io.hearth.protocol.data.DataStatReq;
import io.hearth.protocol.data.DeleteBlocks;
import io.hearth.protocol.data.PutBlock;
import io.hearth.protocol.data.ReadBlock;
import io.hearth.rpc.Refusal;
import io.hearth.server.OpRecorder;
import io.hearth.server.loop.ManualMonoClock;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a data group's state machine refuses before anything reaches its log or its disk, and how it
 * stamps what it lets in. Its block store is not opened here (that takes a Ratis server: {@code
 * initialize}); the refusals come before the store is used, and {@link BlockStoreTest} covers the
 * store on real files.
 */
class DataStateMachineTest {
  private static final Instant NOW = Instant.ofEpochSecond(1_800_000_000L, 123_456_789);

  @TempDir Path dir;

  private DataStateMachine sm() {
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    return new DataStateMachine(
        dir.resolve("g0"),
        0,
        60_000,
        clock,
        new ManualMonoClock(),
        t -> {
          throw new AssertionError("fatal", t);
        },
        OpRecorder.NONE,
        new RepairThrottle(clock));
  }

  private static RaftClientRequest request(ByteString content, RaftClientRequest.Type type) {
    return RaftClientRequest.newBuilder()
        .setClientId(ClientId.randomId())
        .setServerId(RaftPeerId.valueOf("n1"))
        .setGroupId(RaftGroupId.valueOf(Groups.data(0)))
        .setCallId(1)
        .setMessage(Message.valueOf(content))
        .setType(type)
        .build();
  }

  private static ByteString bytes(DataRequest r) {
    return ByteString.copyFrom(r.toByteArray());
  }

  private static final ByteString MALFORMED = ByteString.copyFrom(new byte[] {(byte) 0xff, 0x01});

  private static DataRequest put() {
    byte[] d = BlockStoreTest.data(1);
    return DataRequest.newBuilder().setPut(BlockStoreTest.header(d)).build();
  }

  private static DataRequest delete(int ids) {
    DeleteBlocks.Builder b = DeleteBlocks.newBuilder();
    for (int i = 0; i < ids; i++) {
      b.addIds(i + 1);
    }
    return DataRequest.newBuilder().setDelete(b).build();
  }

  private static DataRequest read(long len) {
    return DataRequest.newBuilder()
        .setRead(ReadBlock.newBuilder().setId(1).setOff(0).setLen((int) len))
        .build();
  }

  /** The errno of a write refused in startTransaction (the refusal goes back to the client). */
  private Errno refusedWrite(ByteString content, RaftClientRequest.Type type) throws Exception {
    TransactionContext t = sm().startTransaction(request(content, type));
    Refusal r = assertInstanceOf(Refusal.class, t.getException());
    return r.toHearth().errno();
  }

  @Test
  void malformedWritesAndReadsSentAsWritesAreRefusedBeforeTheLog() throws Exception {
    RaftClientRequest.Type write = RaftClientRequest.writeRequestType();
    assertEquals(Errno.EINVAL, refusedWrite(MALFORMED, write));
    assertEquals(Errno.EINVAL, refusedWrite(bytes(read(10)), write));
    assertEquals(
        Errno.EINVAL,
        refusedWrite(
            bytes(DataRequest.newBuilder().setStat(DataStatReq.getDefaultInstance()).build()),
            write));
    assertEquals(Errno.EINVAL, refusedWrite(bytes(DataRequest.getDefaultInstance()), write));
  }

  @Test
  void aBlockMustComeAsAStreamWithASaneHeader() throws Exception {
    assertEquals(Errno.EINVAL, refusedWrite(bytes(put()), RaftClientRequest.writeRequestType()));
    DataRequest badHeader =
        DataRequest.newBuilder().setPut(PutBlock.newBuilder().setLength(10)).build();
    assertEquals(
        Errno.EINVAL, refusedWrite(bytes(badHeader), RaftClientRequest.dataStreamRequestType()));
    TransactionContext ok =
        sm().startTransaction(request(bytes(put()), RaftClientRequest.dataStreamRequestType()));
    assertNull(ok.getException());
  }

  @Test
  void aDeleteOfTooManyBlocksIsRefused() throws Exception {
    assertEquals(
        Errno.E2BIG, refusedWrite(bytes(delete(4097)), RaftClientRequest.writeRequestType()));
  }

  @Test
  void anAcceptedWriteCarriesTheLeadersTimeAndTheRequestIntoTheLog() throws Exception {
    DataRequest req = delete(3);
    TransactionContext t =
        sm().startTransaction(request(bytes(req), RaftClientRequest.writeRequestType()));
    assertNull(t.getException());
    DataEntry e = DataEntry.parseFrom(t.getStateMachineLogEntry().getLogData().toByteArray());
    assertEquals(NOW.getEpochSecond() * 1_000_000_000L + NOW.getNano(), e.getTimeNs());
    assertEquals(req, DataRequest.parseFrom(e.getRequest()));
  }

  private static DataReply reply(CompletableFuture<Message> f) throws Exception {
    return DataReply.parseFrom(f.get().getContent().toByteArray());
  }

  @Test
  void malformedQueriesAndWritesSentAsReadsGetAnErrnoReply() throws Exception {
    DataStateMachine sm = sm();
    assertEquals(Errno.EINVAL.code(), reply(sm.query(Message.valueOf(MALFORMED))).getErrno());
    DataReply asRead = reply(sm.query(Message.valueOf(bytes(delete(1)))));
    assertEquals(Errno.EINVAL.code(), asRead.getErrno());
    assertTrue(asRead.getError().contains("not a read"), asRead.getError());
    assertEquals(Errno.EINVAL.code(), reply(sm.query(Message.valueOf(bytes(put())))).getErrno());
  }

  @Test
  void aByteReadLargerThanTheLimitFailsWithARefusal() throws Exception {
    CompletableFuture<Message> f =
        sm().query(Message.valueOf(bytes(read(Limits.BLOCK_READ_MAX_BYTES + 1L))));
    ExecutionException e = assertThrows(ExecutionException.class, f::get);
    Refusal r = assertInstanceOf(Refusal.class, e.getCause());
    assertEquals(Errno.EINVAL, r.toHearth().errno());
  }

  @Test
  void anUninitializedStateMachineHasNoLocalStat() {
    assertNull(sm().localStat());
  }
}
