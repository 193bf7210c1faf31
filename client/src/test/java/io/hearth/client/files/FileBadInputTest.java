package io.hearth.client.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import io.hearth.client.InProcessCluster;
import io.hearth.client.data.BlockClient;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.data.DataReply;
import io.hearth.protocol.data.DataRequest;
import io.hearth.protocol.data.PutBlock;
import io.hearth.protocol.data.ReadBlock;
import io.hearth.protocol.meta.BlockRef;
import io.hearth.rpc.ReplyCodec;
import io.hearth.server.data.LayoutView;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad input to files and blocks: each gets an errno, nothing crashes or changes. */
class FileBadInputTest {
  private static InProcessCluster cluster;
  private static HearthClient client;

  @BeforeAll
  static void start() throws Exception {
    cluster = new InProcessCluster(3);
    client = HearthClient.connect(cluster.spec());
    client.mkdir("/d", 0755);
    try (HearthFile f = client.open("/f", HearthFile.O_WRONLY | HearthFile.O_CREAT, 0644)) {
      f.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    cluster.close();
  }

  private static void expect(Errno errno, Executable e) {
    HearthException x = assertThrows(HearthException.class, e);
    assertEquals(errno, x.errno(), x.getMessage());
  }

  @Test
  void fileHandles() throws Exception {
    expect(Errno.EISDIR, () -> client.open("/d", HearthFile.O_RDONLY));
    expect(Errno.ENOENT, () -> client.open("/missing", HearthFile.O_RDONLY));
    expect(Errno.EEXIST, () -> client.open("/f", HearthFile.O_CREAT | HearthFile.O_EXCL, 0644));
    expect(Errno.EINVAL, () -> client.open("/f", 3));
    HearthFile r = client.open("/f", HearthFile.O_RDONLY);
    assertEquals(-1, r.pread(ByteBuffer.allocate(10), 5), "read at EOF");
    assertEquals(-1, r.pread(ByteBuffer.allocate(10), 1 << 30), "read past EOF");
    assertEquals(0, r.pread(ByteBuffer.allocate(0), 0), "empty read");
    expect(Errno.EINVAL, () -> r.pread(ByteBuffer.allocate(10), -1));
    expect(Errno.EBADF, () -> r.write(ByteBuffer.wrap(new byte[1])));
    expect(Errno.EBADF, () -> r.truncate(0));
    r.close();
    expect(Errno.EBADF, () -> r.pread(ByteBuffer.allocate(1), 0));
    expect(Errno.EBADF, () -> r.fsync());
    r.close(); // a second close is harmless

    HearthFile w = client.open("/f", HearthFile.O_WRONLY);
    expect(Errno.EBADF, () -> w.pread(ByteBuffer.allocate(1), 0));
    expect(Errno.EINVAL, () -> w.pwrite(ByteBuffer.wrap(new byte[1]), -5));
    expect(Errno.EFBIG, () -> w.pwrite(ByteBuffer.wrap(new byte[1]), 1L << 50));
    expect(Errno.EINVAL, () -> w.truncate(-1));
    w.close();

    try (HearthFile f = client.open("/f", HearthFile.O_RDONLY)) {
      byte[] b = new byte[5];
      assertEquals(5, f.read(ByteBuffer.wrap(b)));
      assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), b, "file unchanged");
    }
  }

  @Test
  void malformedBlockRequests() throws Exception {
    var layout = LayoutView.toReply(cluster.servers().get(0).layout());
    RaftGroup group = cluster.servers().get(0).layout().groups().get(0).raftGroup();
    try (BlockClient bc = new BlockClient(layout);
        RaftClient raw =
            RaftClient.newBuilder()
                .setRaftGroup(group)
                .setLeaderId(leaderOf(group))
                .setProperties(new org.apache.ratis.conf.RaftProperties())
                .setRetryPolicy(org.apache.ratis.retry.RetryPolicies.noRetry())
                .build()) {
      BlockRef ref = bc.put(ByteBuffer.wrap(new byte[100]));
      // Reads of what is not there or out of range.
      expect(Errno.EIO, () -> bc.read(ref, 90, 20));
      expect(Errno.EINVAL, () -> bc.put(ByteBuffer.allocate(0)));
      assertEquals(100, bc.read(ref, 0, 100).remaining());
      // Raw requests: garbage, a PutBlock that is not a stream, a delete as a read.
      assertErrno(
          Errno.EINVAL, () -> raw.io().send(Message.valueOf(ByteString.copyFromUtf8("junk"))));
      DataRequest put =
          DataRequest.newBuilder().setPut(PutBlock.newBuilder().setLength(1).addCrc32C(0)).build();
      assertErrno(
          Errno.EINVAL,
          () -> raw.io().send(Message.valueOf(ByteString.copyFrom(put.toByteArray()))));
      DataRequest readMissing =
          DataRequest.newBuilder()
              .setRead(ReadBlock.newBuilder().setId(1L << 40).setLen(1))
              .build();
      assertErrno(
          Errno.ENOENT,
          () ->
              raw.io()
                  .sendReadOnly(Message.valueOf(ByteString.copyFrom(readMissing.toByteArray()))));
      DataRequest bigRead =
          DataRequest.newBuilder()
              .setRead(ReadBlock.newBuilder().setId(ref.getId()).setLen(64 << 20))
              .build();
      assertErrno(
          Errno.EINVAL,
          () -> raw.io().sendReadOnly(Message.valueOf(ByteString.copyFrom(bigRead.toByteArray()))));
      assertEquals(100, bc.read(ref, 0, 100).remaining(), "servers still serve");
    }
    assertTrue(cluster.fatal.get() == null, "no broken invariant: " + cluster.fatal.get());
  }

  /**
   * The raw client does not retry (the errors under test must come back as they are), so it is
   * pointed at the group's leader: a follower would answer NotLeader and fail the call.
   */
  private static RaftPeerId leaderOf(RaftGroup group) throws Exception {
    for (int i = 0; i < 100; i++) {
      for (var server : cluster.servers()) {
        var division = server.raft().getDivision(group.getGroupId());
        if (division.getInfo().isLeader()) {
          return division.getId();
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no leader of " + group.getGroupId() + " within 10 s");
  }

  interface Call {
    RaftClientReply send() throws Exception;
  }

  private static void assertErrno(Errno errno, Call call) throws Exception {
    RaftClientReply reply;
    try {
      reply = call.send();
    } catch (java.io.IOException e) {
      assertEquals(errno, ReplyCodec.failure(e).errno(), "expected " + errno + ": " + e);
      return;
    }
    if (!reply.isSuccess()) {
      assertEquals(
          errno,
          ReplyCodec.failure(reply.getException()).errno(),
          "expected " + errno + ": " + reply.getException());
      return;
    }
    DataReply r = DataReply.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
    assertEquals(errno.code(), r.getErrno(), r.getError());
  }
}
