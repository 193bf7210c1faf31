package io.hearth.server.meta;

import static io.hearth.server.meta.TestFs.assertErrno;
import static io.hearth.server.meta.TestFs.block;
import static io.hearth.server.meta.TestFs.loc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.Limits;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.BlockRef;
import io.hearth.protocol.meta.DataGroup;
import io.hearth.protocol.meta.DataPeer;
import io.hearth.protocol.meta.Extent;
import io.hearth.protocol.meta.GcDoneReq;
import io.hearth.protocol.meta.GcListReq;
import io.hearth.protocol.meta.LayoutReply;
import io.hearth.protocol.meta.LayoutReq;
import io.hearth.protocol.meta.MetaBatch;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.ReadMapReply;
import io.hearth.protocol.meta.ReadMapReq;
import io.hearth.protocol.meta.UnreferencedReq;
import io.hearth.protocol.meta.WriteReq;
import io.hearth.server.meta.ops.MetaOps;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The chunk map: write, read_map, truncate and unlink as they change a file's extents, and the
 * block reference counts and GC queue that follow them.
 */
class ChunkMapSemanticsTest extends SemanticsBase {
  static final int G = 3;

  /** An extent of block G:id committed just now. */
  Extent ext(long fileOff, int len, long id, int blockOff) {
    return TestFs.extent(fileOff, len, G, id, blockOff, h.nowNs());
  }

  /** A clipped extent as read_map returns it (no committed_ns). */
  static Extent got(long fileOff, int len, long id, int blockOff) {
    return TestFs.extent(fileOff, len, G, id, blockOff, 0);
  }

  List<Extent> map(String p) throws Exception {
    return root.readMap(p, 0, Long.MAX_VALUE).getExtentsList();
  }

  BlockKeys blocks() {
    return BlockKeys.of(h.store());
  }

  @Test
  void writeThenReadMap() throws Exception {
    root.create("f", 0644);
    long t = tick();
    Attr a = root.write("f", ext(0, 100, 10, 0));
    assertEquals(100, a.getSize());
    assertEquals(t, a.getMtimeNs());
    assertEquals(t, a.getCtimeNs());
    ReadMapReply r = root.readMap("f", 0, 100);
    assertEquals(List.of(got(0, 100, 10, 0)), r.getExtentsList());
    assertEquals(a, r.getAttr());
    assertFalse(r.getMore());
    assertEquals(
        List.of(got(10, 20, 10, 10)),
        root.readMap("f", 10, 20).getExtentsList(),
        "clipped to the range, in the file and in the block");
    assertEquals(List.of(), root.readMap("f", 100, 50).getExtentsList(), "past the end");
    assertEquals(List.of(), root.readMap("f", 5, 0).getExtentsList(), "empty range");
    assertEquals(1, blocks().refsOf(G, 10));
  }

  static Extent inline(long fileOff, String bytes) {
    return Extent.newBuilder()
        .setFileOff(fileOff)
        .setLen(bytes.length())
        .setInline(ByteString.copyFromUtf8(bytes))
        .build();
  }

  @Test
  void inlineDataIsCutAndSplitLikeBlocksAndHoldsNoBlock() throws Exception {
    root.create("f", 0644);
    assertEquals(10, root.write("f", inline(0, "0123456789")).getSize());
    assertEquals(List.of(inline(0, "0123456789")), map("f"));
    root.write("f", inline(3, "ab"));
    assertEquals(List.of(inline(0, "012"), inline(3, "ab"), inline(5, "56789")), map("f"));
    assertEquals(
        List.of(inline(4, "b"), inline(5, "5")),
        root.readMap("f", 4, 2).getExtentsList(),
        "clipped");
    root.write("f", ext(4, 2, 9, 0)); // a block over inline bytes
    assertEquals(
        List.of(inline(0, "012"), inline(3, "a"), got(4, 2, 9, 0), inline(6, "6789")), map("f"));
    root.truncate("f", 8);
    assertEquals(
        List.of(inline(0, "012"), inline(3, "a"), got(4, 2, 9, 0), inline(6, "67")), map("f"));
    root.write("f", inline(0, "xxxxxxxx")); // inline over a block drops its reference
    assertEquals(List.of(inline(0, "xxxxxxxx")), map("f"));
    BlockKeys b = blocks();
    assertEquals(0, b.refsOf(G, 9));
    assertTrue(b.isQueued(G, 9));
    root.unlink("f");
  }

  @Test
  void inlineDataIsRefusedPastItsLimits() throws Exception {
    root.create("f", 0644);
    long max = Limits.FILE_SIZE_MAX_BYTES;
    root.write("f", inline(max - 2, "ab")); // ends exactly at the largest file
    assertErrno(Errno.EFBIG, () -> root.write("f", inline(max - 1, "ab")));
    assertErrno(
        Errno.EINVAL,
        () -> root.write("f", inline(0, "ab").toBuilder().setReplacesInline(true).build()));
    String half = "x".repeat(Limits.INLINE_WRITE_MAX_BYTES / 2);
    assertErrno(
        Errno.E2BIG, () -> root.write("f", inline(0, half), inline(0, half), inline(0, "y")));
    assertErrno(
        Errno.EINVAL,
        () -> root.write("f", inline(0, "ab").toBuilder().setBlock(block(G, 1)).build()));
    assertErrno(Errno.EINVAL, () -> root.write("f", inline(0, "ab").toBuilder().setLen(3).build()));
    assertEquals(List.of(inline(max - 2, "ab")), map("f"), "nothing refused was written");
  }

  /** A block extent that moves an fsync's inline bytes into their block (replaces_inline). */
  Extent compaction(long fileOff, String bytes, long id) {
    java.util.zip.CRC32C c = new java.util.zip.CRC32C();
    c.update(bytes.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return ext(fileOff, bytes.length(), id, 0).toBuilder()
        .setReplacesInline(true)
        .setInlineCrc32C((int) c.getValue())
        .build();
  }

  @Test
  void aCompactionReplacesOnlyTheInlineBytesItNames() throws Exception {
    root.create("f", 0644);
    long far = 10L << 20; // well past a small file: an fsync's write-ahead
    root.write("f", inline(far, "abcd"), inline(far + 4, "efgh"), inline(far + 8, "ijkl"));
    root.write("f", inline(far + 4, "EFGH")); // overwritten since the fsync
    Attr before = root.stat("f");
    root.write(
        "f",
        compaction(far, "abcd", 5), // still there: moves into block 5
        compaction(far + 4, "efgh", 5), // replaced since: skipped
        compaction(far + 8, "ijkX", 5)); // not the bytes it names: skipped
    assertEquals(
        List.of(got(far, 4, 5, 0), inline(far + 4, "EFGH"), inline(far + 8, "ijkl")), map("f"));
    Attr after = root.stat("f");
    assertEquals(before.getSize(), after.getSize());
    assertEquals(before.getMtimeNs(), after.getMtimeNs(), "moving bytes is not a change of data");
    assertEquals(1, blocks().refsOf(G, 5), "only the applied extent refers to the block");
    root.write("f", compaction(far + 20, "zz", 6)); // nothing there at all: skipped
    assertEquals(0, blocks().refsOf(G, 6));
    root.unlink("f");
  }

  @Test
  void overwritingTheMiddleSplitsAnExtent() throws Exception {
    root.create("f", 0644);
    root.write("f", ext(0, 300, 1, 1000));
    root.write("f", ext(100, 100, 2, 0));
    assertEquals(
        List.of(got(0, 100, 1, 1000), got(100, 100, 2, 0), got(200, 100, 1, 1200)), map("f"));
    BlockKeys b = blocks();
    assertEquals(2, b.refsOf(G, 1), "both pieces refer to block 1");
    assertEquals(1, b.refsOf(G, 2));
    assertEquals(300, root.stat("f").getSize());

    root.write("f", ext(0, 300, 3, 0));
    assertEquals(List.of(got(0, 300, 3, 0)), map("f"));
    b = blocks();
    assertEquals(0, b.refsOf(G, 1));
    assertEquals(0, b.refsOf(G, 2));
    assertTrue(b.isQueued(G, 1) && b.isQueued(G, 2), "dropped blocks wait for GC");
    assertFalse(b.isQueued(G, 3));
  }

  @Test
  void laterExtentsOfOneWriteWin() throws Exception {
    root.create("f", 0644);
    root.write("f", ext(0, 100, 1, 0), ext(50, 100, 2, 0), ext(25, 25, 3, 0));
    assertEquals(List.of(got(0, 25, 1, 0), got(25, 25, 3, 0), got(50, 100, 2, 0)), map("f"));
    assertEquals(150, root.stat("f").getSize());

    // block 4 is dropped by the second extent and referenced again by the third: never queued
    root.write("f", ext(0, 10, 4, 0), ext(0, 10, 5, 0), ext(20, 10, 4, 10));
    BlockKeys b = blocks();
    assertEquals(1, b.refsOf(G, 4));
    assertFalse(b.isQueued(G, 4));
    // block 6 is covered entirely by a later extent of its own write: nothing keeps it
    root.write("f", ext(200, 10, 6, 0), ext(200, 10, 7, 0));
    b = blocks();
    assertEquals(0, b.refsOf(G, 6));
    assertTrue(b.isQueued(G, 6), "a block no extent kept is queued at once");
  }

  @Test
  void writesInOneBatchSeeEachOther() throws Exception {
    root.create("f", 0644);
    MetaRequest.Builder w1 = writeReq("f", ext(0, 100, 1, 0));
    MetaRequest.Builder w2 = writeReq("f", ext(50, 10, 2, 0));
    MetaReply r =
        h.apply(
            MetaRequest.newBuilder()
                .setBatch(MetaBatch.newBuilder().addRequests(w1).addRequests(w2))
                .build());
    assertEquals(0, r.getBatch().getReplies(1).getErrno());
    assertEquals(List.of(got(0, 50, 1, 0), got(50, 10, 2, 0), got(60, 40, 1, 60)), map("f"));
    assertEquals(2, blocks().refsOf(G, 1));
  }

  @Test
  void sparseWritesLeaveHoles() throws Exception {
    root.create("f", 0644);
    assertEquals(1100, root.write("f", ext(1000, 100, 1, 0)).getSize());
    assertEquals(List.of(got(1000, 100, 1, 0)), root.readMap("f", 0, 1100).getExtentsList());
    assertEquals(1100, root.write("f", ext(0, 10, 2, 0)).getSize(), "size never shrinks");
    assertEquals(List.of(got(0, 10, 2, 0), got(1000, 100, 1, 0)), map("f"));
    assertEquals(List.of(), root.readMap("f", 10, 990).getExtentsList(), "the hole");
  }

  @Test
  void truncateTrimsAndExtendsWithAHole() throws Exception {
    root.create("f", 0644);
    root.write("f", ext(0, 100, 1, 0), ext(100, 100, 2, 0), ext(200, 100, 3, 0));
    long t = tick();
    Attr a = root.truncate("f", 150);
    assertEquals(150, a.getSize());
    assertEquals(t, a.getMtimeNs());
    assertEquals(List.of(got(0, 100, 1, 0), got(100, 50, 2, 0)), map("f"));
    BlockKeys b = blocks();
    assertEquals(1, b.refsOf(G, 2), "a trimmed extent keeps its one reference");
    assertTrue(b.isQueued(G, 3));

    assertEquals(1000, root.truncate("f", 1000).getSize());
    assertEquals(List.of(got(0, 100, 1, 0), got(100, 50, 2, 0)), map("f"), "growing adds a hole");
    root.truncate("f", 50);
    assertEquals(List.of(got(0, 50, 1, 0)), map("f"));
    assertTrue(blocks().isQueued(G, 2));
    root.truncate("f", 200);
    assertEquals(
        List.of(got(0, 50, 1, 0)), map("f"), "bytes cut off do not come back when growing again");
    root.truncate("f", 0);
    assertEquals(List.of(), map("f"));
    b = blocks();
    assertEquals(List.of(), List.copyOf(b.refs().keySet()));
    assertEquals(3, b.queued().size());
    assertErrno(Errno.EFBIG, () -> root.truncate("f", Limits.FILE_SIZE_MAX_BYTES + 1));
    assertEquals(
        Limits.FILE_SIZE_MAX_BYTES, root.truncate("f", Limits.FILE_SIZE_MAX_BYTES).getSize());
  }

  @Test
  void truncateThroughASplitBlock() throws Exception {
    root.create("f", 0644);
    root.write("f", ext(0, 300, 1, 0));
    root.write("f", ext(100, 100, 2, 0));
    root.truncate("f", 250);
    assertEquals(List.of(got(0, 100, 1, 0), got(100, 100, 2, 0), got(200, 50, 1, 200)), map("f"));
    assertEquals(2, blocks().refsOf(G, 1));
    root.truncate("f", 150);
    assertEquals(1, blocks().refsOf(G, 1));
    assertFalse(blocks().isQueued(G, 1));
  }

  @Test
  void unlinkFreesEveryReference() throws Exception {
    root.create("f", 0644);
    root.write("f", ext(0, 300, 1, 0), ext(100, 100, 2, 0), ext(1000, 10, 3, 0));
    assertEquals(2, blocks().refsOf(G, 1));
    root.unlink("f");
    h.keeperStep(); // no session holds it open: the leader reaps the orphan
    BlockKeys b = blocks();
    assertEquals(List.of(), List.copyOf(b.extents().keySet()), "no extent left");
    assertEquals(List.of(), List.copyOf(b.refs().keySet()));
    assertEquals(List.of(block(G, 1), block(G, 2), block(G, 3)), root.gcList(0));
    assertEquals(List.of(block(G, 1)), root.gcList(1));

    root.gcDone(List.of(block(G, 1), block(G, 3), block(G, 99)));
    assertEquals(List.of(block(G, 2)), root.gcList(0), "gc_done forgets; unknown blocks ignored");
    root.gcDone(List.of(block(G, 2)));
    assertEquals(List.of(), root.gcList(0));
  }

  @Test
  void aFileGoesWithItsLastLink() throws Exception {
    root.create("f", 0644);
    root.write("f", ext(0, 10, 1, 0));
    root.link("f", "g");
    root.unlink("f");
    assertEquals(1, blocks().refsOf(G, 1), "g still holds the data");
    assertEquals(List.of(got(0, 10, 1, 0)), map("g"));
    root.create("x", 0644);
    root.write("x", ext(0, 10, 2, 0));
    root.rename("x", "g");
    h.keeperStep(); // no session holds the replaced file: the leader reaps it
    BlockKeys b = blocks();
    assertTrue(b.isQueued(G, 1), "rename over the last name of a file frees it");
    assertEquals(1, b.refsOf(G, 2));
    assertEquals(List.of(got(0, 10, 2, 0)), map("g"));
  }

  @Test
  void unreferencedAnswersWhichBlocksNoExtentHolds() throws Exception {
    root.create("f", 0644);
    root.write("f", ext(0, 10, 1, 0), ext(10, 10, 2, 0));
    root.truncate("f", 10);
    assertEquals(
        List.of(block(G, 2), block(G + 1, 1), block(G, 7)),
        root.unreferenced(List.of(block(G, 1), block(G, 2), block(G + 1, 1), block(G, 7))));
    List<BlockRef> many = new ArrayList<>();
    for (int i = 0; i <= 4096; i++) {
      many.add(block(G, i));
    }
    assertErrno(Errno.E2BIG, () -> root.unreferenced(many));
    assertErrno(Errno.E2BIG, () -> root.gcDone(many));
    assertEquals(4095, root.unreferenced(many.subList(0, 4096)).size());
  }

  @Test
  void blocksTheGcMayBeDeletingAreStale() throws Exception {
    root.create("f", 0644);
    long window = MetaOps.COMMIT_WINDOW_NS;
    h.advanceNs(window);
    long now = h.nowNs();
    assertErrno(
        Errno.ESTALE, () -> root.write("f", TestFs.extent(0, 10, G, 1, 0, now - window - 1)));
    assertErrno(Errno.ESTALE, () -> root.write("f", TestFs.extent(0, 10, G, 1, 0, 0)), "unset");
    root.write("f", TestFs.extent(0, 10, G, 1, 0, now - window));
    root.write("f", TestFs.extent(10, 10, G, 2, 0, now + window)); // a data leader ahead is fine
    root.truncate("f", 10);
    assertTrue(blocks().isQueued(G, 2));
    assertErrno(
        Errno.ESTALE, () -> root.write("f", ext(20, 10, 2, 0)), "a queued block is not revived");
    assertEquals(10, root.stat("f").getSize());
  }

  @Test
  void onlyRegularFilesHaveContents() throws Exception {
    root.mkdir("d", 0755);
    root.mknod("p", FileMode.S_IFIFO | 0644, 0);
    root.create("f", 0644);
    root.symlink("f", "l");
    assertErrno(Errno.EISDIR, () -> root.write("d", ext(0, 10, 1, 0)));
    assertErrno(Errno.EISDIR, () -> root.readMap("d", 0, 10));
    assertErrno(Errno.EINVAL, () -> root.write("p", ext(0, 10, 1, 0)));
    assertErrno(Errno.EINVAL, () -> root.readMap("p", 0, 10));
    assertErrno(Errno.ENOENT, () -> root.write("nope", ext(0, 10, 1, 0)));
    root.write("l", ext(0, 10, 1, 0));
    assertEquals(10, root.stat("f").getSize(), "the final symlink is followed");
    assertEquals(List.of(got(0, 10, 1, 0)), map("l"));
    assertEquals(List.of(), List.copyOf(blocks().queued()), "failed writes left nothing");
  }

  @Test
  void writesAreCheckedBeforeAnythingChanges() throws Exception {
    root.create("f", 0644);
    long max = Limits.FILE_SIZE_MAX_BYTES;
    assertErrno(Errno.EFBIG, () -> root.write("f", ext(0, 10, 1, 0), ext(max - 5, 10, 2, 0)));
    assertErrno(Errno.EFBIG, () -> root.write("f", ext(-1, 10, 1, 0)), "offset 2^64 - 1");
    root.write("f", ext(max - 10, 10, 2, 0));
    assertEquals(max, root.stat("f").getSize());
    root.truncate("f", 0);

    assertErrno(Errno.EINVAL, () -> root.write("f", ext(0, 0, 1, 0)), "empty extent");
    assertErrno(
        Errno.EINVAL,
        () -> root.write("f", ext(0, 10, 1, Limits.BLOCK_MAX_BYTES - 5)),
        "past the end of a block");
    root.write("f", ext(0, 10, 1, Limits.BLOCK_MAX_BYTES - 10));
    assertErrno(
        Errno.EINVAL,
        () -> root.write("f", Extent.newBuilder().setFileOff(0).setLen(10).build()),
        "no block");

    List<Extent> tooMany = new ArrayList<>();
    for (int i = 0; i <= Limits.WRITE_EXTENTS_MAX; i++) {
      tooMany.add(ext(i * 10L, 10, 100 + i, 0));
    }
    assertErrno(Errno.E2BIG, () -> root.write(loc("f"), tooMany));
    Attr a = root.write(loc("f"), tooMany.subList(0, Limits.WRITE_EXTENTS_MAX));
    assertEquals(Limits.WRITE_EXTENTS_MAX * 10L, a.getSize());

    long t = tick();
    Attr same = root.write(loc("f"), List.of());
    assertEquals(a, same, "a write of nothing changes nothing");
    assertTrue(t > same.getCtimeNs());
  }

  @Test
  void readMapPages() throws Exception {
    root.create("f", 0644);
    List<Extent> ten = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ten.add(ext(i * 100L, 50, i, 0));
    }
    root.write(loc("f"), ten);
    ReadMapReply p = root.readMap(loc("f"), 0, 1000, 3);
    assertEquals(
        List.of(got(0, 50, 0, 0), got(100, 50, 1, 0), got(200, 50, 2, 0)), p.getExtentsList());
    assertTrue(p.getMore());
    p = root.readMap(loc("f"), 250, 750, 3);
    assertEquals(3, p.getExtentsCount());
    assertEquals(got(300, 50, 3, 0), p.getExtents(0));
    assertTrue(p.getMore());
    p = root.readMap(loc("f"), 620, 280, 3);
    assertEquals(
        List.of(got(620, 30, 6, 20), got(700, 50, 7, 0), got(800, 50, 8, 0)), p.getExtentsList());
    assertFalse(p.getMore(), "nothing left in [620, 900)");
    p = root.readMap(loc("f"), 620, 281, 3);
    assertTrue(p.getMore(), "[900, 901) holds part of extent 9");
    assertEquals(10, root.extents(loc("f"), 0, 1000, 3).size());
    assertEquals(10, root.extents(loc("f"), 0, 1000, 1).size());
    assertEquals(10, root.readMap(loc("f"), 0, -1L, 0).getExtentsCount(), "len 2^64 - 1");
    assertEquals(0, root.readMap(loc("f"), -1L, 10, 0).getExtentsCount(), "off 2^64 - 1");
  }

  @Test
  void gcIsRootsAndTheKindsOfTheNewOpsAreRight() throws Exception {
    assertErrno(Errno.EPERM, () -> alice.gcList(0));
    assertErrno(Errno.EPERM, () -> alice.gcDone(List.of()));
    assertErrno(Errno.EPERM, () -> alice.unreferenced(List.of()));
    MetaOps ops = h.ops();
    assertFalse(ops.isReadOnly(writeReq("f").build()));
    assertFalse(
        ops.isReadOnly(MetaRequest.newBuilder().setGcDone(GcDoneReq.getDefaultInstance()).build()));
    for (MetaRequest r :
        List.of(
            MetaRequest.newBuilder().setReadMap(ReadMapReq.getDefaultInstance()).build(),
            MetaRequest.newBuilder().setLayout(LayoutReq.getDefaultInstance()).build(),
            MetaRequest.newBuilder().setGcList(GcListReq.getDefaultInstance()).build(),
            MetaRequest.newBuilder()
                .setUnreferenced(UnreferencedReq.getDefaultInstance())
                .build())) {
      assertTrue(ops.isReadOnly(r), r.getOpCase() + " is a read");
    }
  }

  @Test
  void layoutIsWhatTheServerWasGiven() throws Exception {
    assertEquals(LayoutReply.getDefaultInstance(), root.layout());
    LayoutReply layout =
        LayoutReply.newBuilder()
            .addGroups(
                DataGroup.newBuilder()
                    .setNumber(1)
                    .setUuid(ByteString.copyFrom(new byte[16]))
                    .addPeers(
                        DataPeer.newBuilder()
                            .setId("d1")
                            .setAddress("h:1")
                            .setStreamAddress("h:2")))
            .build();
    try (MetaHarness other = new MetaHarness(dir.resolve("other"), layout, 1)) {
      TestFs fs = new TestFs(other, TestFs.ROOT);
      assertEquals(layout, fs.layout());
      fs.create("f", 0644);
      long now = other.nowNs();
      fs.write("f", TestFs.extent(0, 1, G, 1, 0, now - 1));
      assertErrno(
          Errno.ESTALE,
          () -> fs.write("f", TestFs.extent(0, 1, G, 2, 0, now - 2)),
          "the window is the one given");
    }
  }

  static MetaRequest.Builder writeReq(String p, Extent... extents) {
    return MetaRequest.newBuilder()
        .setWrite(WriteReq.newBuilder().setLoc(loc(p)).addAllExtents(List.of(extents)));
  }
}
