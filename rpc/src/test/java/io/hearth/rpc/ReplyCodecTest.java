package io.hearth.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.data.DataReply;
import io.hearth.protocol.meta.MetaReply;
import java.io.IOException;
import java.net.ConnectException;
import org.apache.ratis.client.impl.ClientProtoUtils;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** Every errno survives every way it crosses the wire, and transport failures map as documented. */
class ReplyCodecTest {
  private static final RaftGroupMemberId MEMBER =
      RaftGroupMemberId.valueOf(RaftPeerId.valueOf("n1"), RaftGroupId.randomId());

  /** A reply as the client's Ratis rebuilds it from the bytes the server sent. */
  private static RaftClientReply overTheWire(RaftClientReply sent) {
    return ClientProtoUtils.toRaftClientReply(ClientProtoUtils.toRaftClientReplyProto(sent));
  }

  private static RaftClientReply.Builder reply() {
    return RaftClientReply.newBuilder()
        .setClientId(ClientId.randomId())
        .setServerId(MEMBER)
        .setCallId(7);
  }

  @Test
  void aRefusalCarriesEveryErrnoThroughRatis() {
    for (Errno errno : Errno.values()) {
      HearthException sent = new HearthException(errno, "detail: with colons, " + errno);
      StateMachineException sme = new StateMachineException(MEMBER, Refusal.of(sent));
      RaftClientReply got = overTheWire(reply().setException(sme).build());
      HearthException back = assertThrows(HearthException.class, () -> ReplyCodec.meta(got));
      assertEquals(errno, back.errno());
      assertEquals(sent.detail(), back.detail(), "detail of " + errno);
    }
  }

  @Test
  void anErrnoInAReplyFieldComesBack() throws Exception {
    for (Errno errno : Errno.values()) {
      HearthException e = new HearthException(errno, "why " + errno);
      MetaReply m = ReplyCodec.metaError(e);
      HearthException back =
          assertThrows(
              HearthException.class,
              () ->
                  ReplyCodec.meta(
                      overTheWire(
                          reply()
                              .setSuccess()
                              .setMessage(Message.valueOf(ByteString.copyFrom(m.toByteArray())))
                              .build())));
      assertEquals(errno, back.errno());
      assertEquals("why " + errno, back.detail());
      DataReply d = ReplyCodec.dataError(e);
      HearthException dataBack = assertThrows(HearthException.class, () -> ReplyCodec.check(d));
      assertEquals(errno, dataBack.errno());
    }
  }

  @Test
  void aSuccessIsReturned() throws Exception {
    MetaReply ok =
        MetaReply.newBuilder().setData(com.google.protobuf.ByteString.copyFromUtf8("x")).build();
    RaftClientReply r =
        overTheWire(
            reply()
                .setSuccess()
                .setMessage(Message.valueOf(ByteString.copyFrom(ok.toByteArray())))
                .build());
    assertEquals("x", ReplyCodec.meta(r).getData().toStringUtf8());
  }

  @Test
  void garbageIsEio() {
    RaftClientReply r =
        reply()
            .setSuccess()
            .setMessage(Message.valueOf(ByteString.copyFromUtf8("\u00ff\u00ff\u00ff")))
            .build();
    assertEquals(Errno.EIO, assertThrows(HearthException.class, () -> ReplyCodec.meta(r)).errno());
    assertEquals(
        Errno.EIO,
        ReplyCodec.failure(new StateMachineException("ENOENT: looks like an errno, is not one"))
            .errno());
  }

  @Test
  void transportFailuresMapToTheirErrnos() {
    assertEquals(Errno.EHOSTUNREACH, ReplyCodec.failure(new ConnectException("refused")).errno());
    assertEquals(
        Errno.ETIMEDOUT,
        ReplyCodec.failure(new RaftRetryFailureException(null, 3, null, new IOException("x")))
            .errno());
    HearthException notLeader =
        ReplyCodec.failure(new NotLeaderException(MEMBER, null, java.util.List.of()));
    assertTrue(ReplyCodec.refusedBeforeLogging(notLeader));
    assertTrue(ReplyCodec.isTransient(notLeader), "not the leader: send it elsewhere");
    assertFalse(ReplyCodec.isTransient(new HearthException(Errno.ENOENT, "x")));
  }
}
