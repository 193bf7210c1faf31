package io.hearth.server.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.data.BlockInfo;
import io.hearth.protocol.data.BlockInfos;
import io.hearth.protocol.data.PutBlock;
import io.hearth.protocol.data.RawBlock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * One group's block store on real files in a temporary directory: the write, commit, read, repair
 * and delete paths, and what it does with damaged or missing files and a full disk.
 */
class BlockStoreTest {
  private static final long T0_NS = 1_700_000_000_000L * 1_000_000;
  private static final Clock CLOCK =
      Clock.fixed(Instant.ofEpochMilli(1_800_000_000_000L), ZoneOffset.UTC);

  @TempDir Path dir;

  private BlockStore store() throws IOException {
    return new BlockStore(dir.resolve("g0"), 0, CLOCK);
  }

  /** Bytes of a block that spans three CRC chunks, the last one partial. */
  static byte[] data(long seed) {
    byte[] b = new byte[2 * Limits.CRC_CHUNK_BYTES + 1234];
    new Random(seed).nextBytes(b);
    return b;
  }

  static PutBlock header(byte[] data) {
    PutBlock.Builder h = PutBlock.newBuilder().setLength(data.length);
    for (int off = 0; off < data.length; off += Limits.CRC_CHUNK_BYTES) {
      CRC32C c = new CRC32C();
      c.update(data, off, Math.min(Limits.CRC_CHUNK_BYTES, data.length - off));
      h.addCrc32C((int) c.getValue());
    }
    return h.build();
  }

  /** Streams a block in as a DataStream would: write, fsync, close. */
  private static void stream(BlockStore s, String key, byte[] data) throws IOException {
    BlockWriter w = s.create(key, header(data));
    w.write(ByteBuffer.wrap(data));
    w.force(false);
    w.close();
  }

  /** Streams and commits a block of {@link #data}({@code seed}) as {@code id}; its bytes. */
  private static byte[] committed(BlockStore s, long id, long seed) throws IOException {
    byte[] d = data(seed);
    stream(s, "k" + id, d);
    s.commit("k" + id, id, T0_NS + id, header(d));
    return d;
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  private static byte[] slice(byte[] b, int off, int len) {
    byte[] out = new byte[len];
    System.arraycopy(b, off, out, 0, len);
    return out;
  }

  private static void assertErrno(Errno expected, Executable call) {
    HearthException e = assertThrows(HearthException.class, call);
    assertEquals(expected, e.errno(), e.getMessage());
  }

  /** Flips one byte of a block's data on disk, {@code dataOff} bytes after the header. */
  private static void flipByte(Path file, long dataOff) throws IOException {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      long pos = BlockFile.HEADER_BYTES + dataOff;
      ch.read(one, pos);
      one.put(0, (byte) (one.get(0) ^ 0x5a)).rewind();
      ch.write(one, pos);
    }
  }

  @Test
  void aStreamedBlockIsReadableOnceCommittedAndAfterARestart() throws Exception {
    BlockStore s = store();
    byte[] d = data(1);
    stream(s, "c1-1", d);
    assertErrno(Errno.ENOENT, () -> s.read(42, 0, 10));
    assertEquals(d.length, s.commit("c1-1", 42, T0_NS, header(d)));
    assertArrayEquals(d, bytes(s.read(42, 0, d.length)));
    int off = Limits.CRC_CHUNK_BYTES - 10; // across a chunk boundary
    assertArrayEquals(slice(d, off, 100), bytes(s.read(42, off, 100)));

    RawBlock raw = s.readRaw(42);
    assertEquals(header(d), raw.getHeader());
    assertArrayEquals(d, raw.getData().toByteArray());
    assertEquals(T0_NS, raw.getCommittedNs(), "the commit time is the entry's");
    assertEquals(1, s.stat().getBlocks());
    assertEquals(BlockFile.HEADER_BYTES + d.length, s.stat().getBlockBytes());

    BlockStore again = store();
    assertArrayEquals(d, bytes(again.read(42, 0, d.length)));
    assertEquals(List.of(42L), again.manifest());
  }

  @Test
  void aReplayedCommitFindsTheBlockUnderItsFinalName() throws Exception {
    BlockStore s = store();
    byte[] d = data(2);
    stream(s, "c1-2", d);
    s.commit("c1-2", 7, T0_NS, header(d));
    assertEquals(d.length, s.commit("c1-2", 7, T0_NS, header(d)));
    assertEquals(d.length, store().commit("c1-2", 7, T0_NS, header(d)), "after a restart too");
    assertEquals(1, s.stat().getBlocks());
    assertFalse(s.isMissing(7));
  }

  @Test
  void aCommitWithoutTheBytesRecordsTheBlockMissingWithItsHeader() throws Exception {
    BlockStore s = store();
    byte[] d = data(3);
    assertEquals(-1, s.commit("never-streamed", 9, T0_NS, header(d)));
    assertTrue(s.isMissing(9));
    assertEquals(Set.of(9L), s.missing());
    assertEquals(1, s.missingCount());
    assertEquals(1, s.stat().getMissingBlocks());
    HearthException e = assertThrows(HearthException.class, () -> s.read(9, 0, 1));
    assertEquals(Errno.ENOENT, e.errno());
    assertTrue(e.getMessage().contains("awaits repair"), e.getMessage());
    assertEquals(List.of(9L), s.manifest());
    assertEquals(Set.of(9L), store().missing(), "missing survives a restart");
  }

  @Test
  void aRepairInstallsAVerifiedCopyWithItsCommitTime() throws Exception {
    BlockStore peer = new BlockStore(dir.resolve("peer"), 0, CLOCK);
    byte[] d = data(4);
    stream(peer, "k", d);
    peer.commit("k", 5, T0_NS, header(d));

    BlockStore s = store();
    s.commit("lost", 5, T0_NS, header(d));
    assertTrue(s.repair(5, peer.readRaw(5)));
    assertFalse(s.isMissing(5));
    assertArrayEquals(d, bytes(s.read(5, 0, d.length)));
    assertEquals(T0_NS, s.readRaw(5).getCommittedNs());
    assertFalse(s.repair(5, peer.readRaw(5)), "not missing any more");
    assertEquals(Set.of(), store().missing());
  }

  @Test
  void aCopyWithoutACommitTimeTakesTheClocks() throws Exception {
    BlockStore s = store();
    byte[] d = data(5);
    s.expectMissing(6);
    RawBlock raw =
        RawBlock.newBuilder().setHeader(header(d)).setData(ByteString.copyFrom(d)).build();
    assertTrue(s.repair(6, raw));
    assertEquals(CLOCK.millis() * 1_000_000, s.readRaw(6).getCommittedNs());
  }

  @Test
  void aBadCopyIsRefusedAndTheBlockStaysMissing() throws Exception {
    BlockStore s = store();
    byte[] d = data(6);
    s.commit("lost", 8, T0_NS, header(d));
    RawBlock good =
        RawBlock.newBuilder().setHeader(header(d)).setData(ByteString.copyFrom(d)).build();

    byte[] other = data(7);
    RawBlock differs =
        good.toBuilder().setHeader(header(other)).setData(ByteString.copyFrom(other)).build();
    assertErrno(Errno.EIO, () -> s.repair(8, differs));

    byte[] flipped = d.clone();
    flipped[100] ^= 1;
    assertErrno(
        Errno.EIO,
        () -> s.repair(8, good.toBuilder().setData(ByteString.copyFrom(flipped)).build()));
    assertErrno(
        Errno.EIO,
        () -> s.repair(8, good.toBuilder().setData(ByteString.copyFrom(d, 0, 10)).build()));
    assertTrue(s.isMissing(8));
    assertTrue(s.repair(8, good));
  }

  @Test
  void aFlippedByteIsDetectedOnReadAndTheBlockMovedAsideForRepair() throws Exception {
    BlockStore s = store();
    byte[] d = committed(s, 11, 8);
    Path file = s.fileOf(11);
    flipByte(file, 2L * Limits.CRC_CHUNK_BYTES + 5);

    assertArrayEquals(
        slice(d, 0, 1000), bytes(s.read(11, 0, 1000)), "chunks the read does not touch are sound");
    assertErrno(Errno.EIO, () -> s.read(11, 2 * Limits.CRC_CHUNK_BYTES, 100));
    assertTrue(s.isMissing(11));
    assertFalse(Files.exists(file), "the damaged copy is dropped");
    assertErrno(Errno.ENOENT, () -> s.read(11, 0, 1000));
    assertEquals(0, s.stat().getBlocks());
    assertEquals(0, s.stat().getBlockBytes());
    assertEquals(Set.of(11L), store().missing());
  }

  @Test
  void aDamagedCopyIsNeverServedToARepairingPeer() throws Exception {
    BlockStore s = store();
    byte[] d = committed(s, 12, 9);
    flipByte(s.fileOf(12), 3);
    assertErrno(Errno.EIO, () -> s.readRaw(12));
    assertTrue(s.isMissing(12));
  }

  @Test
  void aBlockFileGoneFromDiskIsRecordedMissing() throws Exception {
    BlockStore s = store();
    byte[] d = committed(s, 13, 10);
    Files.delete(s.fileOf(13));
    HearthException e = assertThrows(HearthException.class, () -> s.read(13, 0, 1));
    assertEquals(Errno.ENOENT, e.errno());
    assertTrue(e.getMessage().contains("vanished"), e.getMessage());
    assertTrue(s.isMissing(13));
  }

  @Test
  void aDeleteRemovesCommittedAndMissingBlocks() throws Exception {
    BlockStore s = store();
    byte[] d = committed(s, 14, 11);
    s.commit("absent", 15, T0_NS, header(d));
    assertTrue(s.delete(14));
    assertFalse(Files.exists(s.fileOf(14)));
    assertErrno(Errno.ENOENT, () -> s.read(14, 0, 1));
    assertTrue(s.delete(15));
    assertFalse(s.isMissing(15));
    assertFalse(s.delete(14), "deleting twice finds nothing");
    assertEquals(List.of(), s.manifest());
    assertEquals(0, s.stat().getBlockBytes());
    assertEquals(List.of(), store().manifest());
  }

  @Test
  void listingPagesThroughCommittedBlocksInIdOrder() throws Exception {
    BlockStore s = store();
    byte[] d = data(12);
    for (long id : new long[] {30, 10, 20}) {
      committed(s, id, 12);
    }
    s.commit("absent", 25, T0_NS, header(d));
    BlockInfos first = s.list(0, 2);
    assertEquals(List.of(10L, 20L), first.getBlocksList().stream().map(BlockInfo::getId).toList());
    assertTrue(first.getMore());
    assertEquals(T0_NS + 10, first.getBlocks(0).getCommittedNs());
    BlockInfos rest = s.list(20, 2);
    assertEquals(List.of(30L), rest.getBlocksList().stream().map(BlockInfo::getId).toList());
    assertFalse(rest.getMore());
    assertEquals(List.of(10L, 20L, 25L, 30L), s.manifest(), "the manifest names missing ones too");
  }

  @Test
  void expectMissingRecordsOnlyBlocksNeitherHeldNorKnown() throws Exception {
    BlockStore s = store();
    byte[] d = committed(s, 16, 13);
    assertFalse(s.expectMissing(16));
    assertTrue(s.expectMissing(17));
    assertFalse(s.expectMissing(17));
    assertEquals(List.of(16L, 17L), s.manifest());
  }

  @Test
  void theSweepDeletesOnlyTemporaryFilesOlderThanItsAge() throws Exception {
    BlockStore s = store();
    byte[] d = data(14);
    stream(s, "old", d);
    stream(s, "new", d);
    Path tmp = dir.resolve("g0").resolve("tmp");
    long nowMs = 2_000_000_000_000L;
    Files.setLastModifiedTime(tmp.resolve("old"), FileTime.fromMillis(nowMs - 10_000));
    Files.setLastModifiedTime(tmp.resolve("new"), FileTime.fromMillis(nowMs - 1_000));
    assertEquals(1, s.sweepTmp(nowMs, 5_000));
    assertFalse(Files.exists(tmp.resolve("old")));
    assertEquals(d.length, s.commit("new", 18, T0_NS, header(d)), "a young stream still commits");
  }

  @Test
  void aTornOrCorruptStreamLeavesNothingToCommit() throws Exception {
    BlockStore s = store();
    byte[] d = data(15);
    BlockWriter torn = s.create("torn", header(d));
    torn.write(ByteBuffer.wrap(d, 0, 1000));
    assertErrno(Errno.EIO, torn::close);
    assertEquals(-1, s.commit("torn", 19, T0_NS, header(d)));

    byte[] flipped = d.clone();
    flipped[5] ^= 1;
    BlockWriter bad = s.create("bad", header(d));
    assertErrno(Errno.EIO, () -> bad.write(ByteBuffer.wrap(flipped)));
    bad.abort();
    assertEquals(-1, s.commit("bad", 20, T0_NS, header(d)));
  }

  @Test
  void badHeadersAndReadsAreRefused() throws Exception {
    BlockStore s = store();
    byte[] d = data(16);
    assertErrno(Errno.EINVAL, () -> s.create("k", PutBlock.newBuilder().setLength(0).build()));
    assertErrno(Errno.EINVAL, () -> s.create("k", header(d).toBuilder().addCrc32C(0).build()));
    assertErrno(
        Errno.EINVAL,
        () -> s.create("k", PutBlock.newBuilder().setLength(Limits.BLOCK_MAX_BYTES + 1).build()));
    stream(s, "k", d);
    s.commit("k", 21, T0_NS, header(d));
    assertErrno(Errno.EINVAL, () -> s.read(21, -1, 10));
    assertErrno(Errno.EINVAL, () -> s.read(21, 0, 0));
    assertErrno(Errno.EINVAL, () -> s.read(21, d.length - 5, 10));
  }

  @Test
  void aDiskWithoutRoomBeyondTheReserveRefusesNewBlocks() throws Exception {
    BlockStore full = new BlockStore(dir.resolve("full"), Long.MAX_VALUE / 4, CLOCK);
    byte[] d = data(17);
    assertErrno(Errno.ENOSPC, () -> full.create("k", header(d)));
    assertEquals(0, full.stat().getAvailableBytes());
    full.commit("absent", 22, T0_NS, header(d));
    RawBlock raw =
        RawBlock.newBuilder().setHeader(header(d)).setData(ByteString.copyFrom(d)).build();
    assertErrno(Errno.ENOSPC, () -> full.repair(22, raw));
    assertTrue(full.isMissing(22));
  }
}
