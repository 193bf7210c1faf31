package io.hearth.client.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.hearth.client.HearthClient;
import io.hearth.client.cluster.ProcessCluster.Digest;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.meta.DigestReq;
import io.hearth.protocol.meta.Loc;
import io.hearth.protocol.meta.LookupReq;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.MkdirReq;
import io.hearth.rpc.ReplyCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Malformed, oversized and nonsensical requests, sent raw through a Ratis client and through
 * HearthClient. Each must come back as a clear errno within a bound; afterwards the same leader
 * leads, every server runs, the namespace is unchanged (equal digests) and a normal mkdir works.
 */
class BadInputTest {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);
  private static final Caller ROOT = Caller.newBuilder().setUid(0).setGid(0).build();

  /** One bad input, how it is sent, and the errnos that count as a clear answer to it. */
  private record Case(String name, Set<Errno> expected, Sender send) {}

  private interface Sender {
    Errno send() throws Exception;
  }

  @Test
  @Timeout(120)
  void badRequestsGetAnErrnoAndChangeNothing() throws Exception {
    long seed = Long.getLong("hearth.seed", System.nanoTime());
    System.out.println("BadInputTest seed=" + seed + " (rerun: -Dhearth.seed=" + seed + ")");
    ProcessCluster.run("bad-input", 3, Map.of(), c -> run(c, new Random(seed)));
  }

  private void run(ProcessCluster c, Random rnd) throws Exception {
    c.waitForLeader(Duration.ofSeconds(30));
    c.waitForClusterMap();
    try (HearthClient h = c.client()) {
      h.mkdir("/d", 0755);
      h.create("/d/target", 0644);
      Digest before = c.assertReplicasEqual(Duration.ofSeconds(30));
      String leader = c.waitForLeader(Duration.ofSeconds(30));
      RaftClient raft = h.meta().raft();

      byte[] mkdir = mkdir(Loc.newBuilder().addNames(utf8("new"))).toByteArray();
      byte[] lookup = lookup(Loc.newBuilder().addNames(utf8("d"))).toByteArray();
      byte[] garbage = new byte[1024];
      rnd.nextBytes(garbage);
      byte[] invalidVarint = new byte[16];
      Arrays.fill(invalidVarint, (byte) 0xff);
      Loc.Builder huge = Loc.newBuilder();
      for (int i = 0; i < 300; i++) {
        huge.addNames(utf8("x".repeat(1000)));
      }
      byte[] name256 = new byte[256];
      Arrays.fill(name256, (byte) 'a');
      Set<Errno> anyErrno = EnumSet.allOf(Errno.class);
      long unknownIno = 987_654_321L;

      List<Case> cases =
          List.of(
              new Case(
                  "invalid varint as write",
                  Set.of(Errno.EINVAL),
                  () -> write(raft, invalidVarint)),
              new Case(
                  "invalid varint as read", Set.of(Errno.EINVAL), () -> read(raft, invalidVarint)),
              new Case("1 KiB random garbage as write", anyErrno, () -> write(raft, garbage)),
              new Case("1 KiB random garbage as read", anyErrno, () -> read(raft, garbage)),
              new Case(
                  "truncated mkdir as write",
                  Set.of(Errno.EINVAL),
                  () -> write(raft, Arrays.copyOf(mkdir, mkdir.length - 1))),
              new Case(
                  "truncated lookup as read",
                  Set.of(Errno.EINVAL),
                  () -> read(raft, Arrays.copyOf(lookup, lookup.length - 1))),
              new Case(
                  "empty payload as write",
                  Set.of(Errno.ENOSYS, Errno.EINVAL),
                  () -> write(raft, new byte[0])),
              new Case(
                  "empty payload as read",
                  Set.of(Errno.ENOSYS, Errno.EINVAL),
                  () -> read(raft, new byte[0])),
              new Case(
                  "300 KiB mkdir as write", Set.of(Errno.E2BIG), () -> write(raft, mkdir(huge))),
              new Case(
                  "300 KiB lookup as read",
                  Set.of(Errno.E2BIG, Errno.ENAMETOOLONG),
                  () -> read(raft, lookup(huge))),
              new Case(
                  "no op set, as write",
                  Set.of(Errno.ENOSYS, Errno.EINVAL),
                  () -> write(raft, MetaRequest.newBuilder().setCaller(ROOT).build())),
              new Case(
                  "no op set, as read",
                  Set.of(Errno.ENOSYS, Errno.EINVAL),
                  () -> read(raft, MetaRequest.newBuilder().setCaller(ROOT).build())),
              new Case("lookup sent as a write", Set.of(Errno.EINVAL), () -> write(raft, lookup)),
              new Case("mkdir sent as a read", Set.of(Errno.EINVAL), () -> read(raft, mkdir)),
              new Case(
                  "digest sent as a write",
                  Set.of(Errno.EINVAL, Errno.ENOSYS),
                  () ->
                      write(
                          raft,
                          MetaRequest.newBuilder()
                              .setCaller(ROOT)
                              .setDigest(DigestReq.getDefaultInstance())
                              .build())),
              new Case(
                  "mkdir under unknown inode",
                  Set.of(Errno.ENOENT),
                  () ->
                      write(raft, mkdir(Loc.newBuilder().setBase(unknownIno).addNames(utf8("x"))))),
              new Case(
                  "mkdir under inode 2^64-1",
                  Set.of(Errno.ENOENT),
                  () -> write(raft, mkdir(Loc.newBuilder().setBase(-1L).addNames(utf8("x"))))),
              new Case(
                  "lookup of unknown inode",
                  Set.of(Errno.ENOENT),
                  () -> read(raft, lookup(Loc.newBuilder().setBase(unknownIno)))),
              new Case(
                  "raw mkdir, 256-byte name",
                  Set.of(Errno.ENAMETOOLONG),
                  () ->
                      write(raft, mkdir(Loc.newBuilder().addNames(ByteString.copyFrom(name256))))),
              new Case(
                  "raw lookup, 256-byte name",
                  Set.of(Errno.ENAMETOOLONG),
                  () ->
                      read(raft, lookup(Loc.newBuilder().addNames(ByteString.copyFrom(name256))))),
              new Case(
                  "raw mkdir, name with NUL",
                  Set.of(Errno.EINVAL),
                  () -> write(raft, mkdir(Loc.newBuilder().addNames(utf8("a\0b"))))),
              new Case(
                  "raw mkdir, name with '/'",
                  Set.of(Errno.EINVAL),
                  () -> write(raft, mkdir(Loc.newBuilder().addNames(utf8("a/b"))))),
              new Case(
                  "client mkdir, 256-byte name",
                  Set.of(Errno.ENAMETOOLONG),
                  () -> client(() -> h.mkdir("/d/" + "a".repeat(256), 0755))),
              new Case(
                  "client create, name with NUL",
                  Set.of(Errno.EINVAL),
                  () -> client(() -> h.create("/d/a\0b", 0644))),
              new Case(
                  "client stat of unknown inode",
                  Set.of(Errno.ENOENT),
                  () -> client(() -> h.stat(unknownIno))),
              new Case(
                  "client create in missing dir",
                  Set.of(Errno.ENOENT),
                  () -> client(() -> h.create("/nope/f", 0644))),
              new Case(
                  "client setxattr, 64 KiB + 1 value",
                  Set.of(Errno.E2BIG),
                  () -> client(() -> h.setxattr("/d/target", "user.big", new byte[65537], 0))),
              new Case(
                  "client setxattr, 300 KiB value",
                  Set.of(Errno.E2BIG),
                  () ->
                      client(() -> h.setxattr("/d/target", "user.huge", new byte[300 * 1024], 0))),
              new Case(
                  "client setxattr, 256-byte name",
                  Set.of(Errno.ERANGE),
                  () ->
                      client(
                          () ->
                              h.setxattr("/d/target", "user." + "n".repeat(251), new byte[1], 0))),
              new Case(
                  "client setxattr, name with NUL",
                  Set.of(Errno.EINVAL),
                  () -> client(() -> h.setxattr("/d/target", "user.a\0b", new byte[1], 0))));

      List<String> wrong = new ArrayList<>();
      for (Case k : cases) {
        long t = System.nanoTime();
        Errno got = k.send().send();
        String line =
            String.format(
                "  %-36s -> %s (%d ms)", k.name(), got, (System.nanoTime() - t) / 1_000_000);
        System.out.println(line);
        if (got == null || !k.expected().contains(got)) {
          wrong.add(
              line + ", expected one of " + (k.expected().size() > 5 ? "any errno" : k.expected()));
        }
      }

      for (String id : c.ids()) {
        assertTrue(c.isRunning(id), id + " died on bad input");
      }
      assertEquals(leader, c.waitForLeader(Duration.ofSeconds(30)), "the leader changed");
      Digest after = c.assertReplicasEqual(Duration.ofSeconds(30));
      c.log(
          "applied index "
              + before.appliedIndex()
              + " -> "
              + after.appliedIndex()
              + " (errors found in apply still take a log entry)");
      assertEquals(before.state(), after.state(), "bad input changed the namespace");
      assertEquals(List.of(), wrong, "bad inputs without the expected errno");
      assertTrue(h.mkdir("/after", 0755).isDir());
      c.assertReplicasEqual(Duration.ofSeconds(30));
    }
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }

  private static MetaRequest mkdir(Loc.Builder loc) {
    return MetaRequest.newBuilder()
        .setCaller(ROOT)
        .setMkdir(MkdirReq.newBuilder().setLoc(loc).setMode(0755))
        .build();
  }

  private static MetaRequest lookup(Loc.Builder loc) {
    return MetaRequest.newBuilder()
        .setCaller(ROOT)
        .setLookup(LookupReq.newBuilder().setLoc(loc))
        .build();
  }

  private static Errno write(RaftClient raft, MetaRequest req) throws Exception {
    return write(raft, req.toByteArray());
  }

  private static Errno read(RaftClient raft, MetaRequest req) throws Exception {
    return read(raft, req.toByteArray());
  }

  private static Errno write(RaftClient raft, byte[] payload) throws Exception {
    return errnoOf(
        raft.async()
            .send(
                Message.valueOf(
                    org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(payload))));
  }

  private static Errno read(RaftClient raft, byte[] payload) throws Exception {
    return errnoOf(
        raft.async()
            .sendReadOnly(
                Message.valueOf(
                    org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(payload))));
  }

  /** The errno a raw reply carries, as the client would map it; null for a success. */
  private static Errno errnoOf(CompletableFuture<RaftClientReply> f) throws Exception {
    RaftClientReply r;
    try {
      r = f.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      return ReplyCodec.failure(e.getCause()).errno();
    }
    if (!r.isSuccess()) {
      return ReplyCodec.failure(r.getException()).errno();
    }
    MetaReply m = MetaReply.parseFrom(r.getMessage().getContent().asReadOnlyByteBuffer());
    return m.getErrno() == 0 ? null : Errno.of(m.getErrno());
  }

  private interface Call {
    void call() throws HearthException;
  }

  private static Errno client(Call call) {
    try {
      call.call();
      return null;
    } catch (HearthException e) {
      return e.errno();
    }
  }
}
