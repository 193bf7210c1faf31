package io.hearth.client.vfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.SetattrReq;
import io.hearth.protocol.meta.TimeChange;
import io.hearth.protocol.meta.TimeHow;
import io.hearth.rpc.MonoClock;
import java.nio.ByteBuffer;
import java.time.InstantSource;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An open file's states and its three parts (write-back pipeline, attribute overlay, read path)
 * with the namespace and the block storage replaced by in-memory ones.
 */
class OpenInodeTest {
  private static final long INO = 7;
  private static final Caller ANA = Caller.newBuilder().setUid(1000).setGid(1000).build();

  private final MemBlocks blocks = new MemBlocks();
  private final MemNamespace ns = new MemNamespace(blocks);
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final List<Long> changed = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final OpenInode.Parts parts =
      new OpenInode.Parts(
          ns,
          blocks,
          executor,
          new BlockBuffers(),
          MonoClock.SYSTEM,
          InstantSource.system(),
          changed::add,
          this::fence);

  /** What the lock layer would say: the session of the file's locks, or EIO once they are lost. */
  private volatile long fenceSession;

  private volatile boolean fenceLost;

  private long fence(long ino) throws HearthException {
    if (fenceLost) {
      throw new HearthException(Errno.EIO, "lock lost");
    }
    return fenceSession;
  }

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  private OpenInode open() {
    return new OpenInode(ns.create(INO, 0644, 1000, 1000), ANA, parts);
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] read(OpenInode f, long off, int len) throws HearthException {
    byte[] dst = new byte[len];
    int n = f.read(off, dst, 0, len, false);
    return n <= 0 ? new byte[0] : java.util.Arrays.copyOf(dst, n);
  }

  @Test
  void changesToALockedFileCarryItsLocksSessionAndFailOnceTheyAreLost() throws Exception {
    OpenInode f = open();
    fenceSession = 77;
    f.write(0, ByteBuffer.wrap(bytes(10, 1)), false);
    f.flush();
    List<MetaRequest> last = ns.entries().get(ns.entries().size() - 1);
    assertEquals(77, last.get(0).getSession(), "the commit carries the locks' session");
    f.write(10, ByteBuffer.wrap(bytes(10, 2)), false);
    fenceLost = true;
    assertErrno(Errno.EIO, () -> f.flush(), "buffered data of a lost lock is not committed");
    assertErrno(Errno.EIO, () -> f.write(0, ByteBuffer.wrap(bytes(1, 3)), false));
    assertErrno(Errno.EIO, () -> f.read(0, new byte[10], 0, 10, false));
    assertErrno(Errno.EIO, f::fsync);
  }

  interface Call {
    void run() throws Exception;
  }

  private static void assertErrno(Errno want, Call c, String... why) {
    HearthException e = assertThrows(HearthException.class, c::run, String.join(" ", why));
    assertEquals(want, e.errno(), String.join(" ", why));
  }

  @Test
  void writesAreReadBeforeAndAfterTheirCommit() throws Exception {
    OpenInode f = open();
    byte[] data = bytes(100_000, 1);
    f.write(0, ByteBuffer.wrap(data), false);
    assertEquals(100_000, f.size(), "the size counts pending writes");
    assertEquals(0, ns.attr(INO).getSize(), "nothing committed before a flush");
    assertArrayEquals(data, read(f, 0, data.length), "pending bytes are read back");
    f.flush();
    assertArrayEquals(data, ns.content(INO));
    assertArrayEquals(data, read(f, 0, data.length), "committed bytes are read back");
    assertEquals(-1, f.read(data.length, new byte[1], 0, 1, false), "end of file");
  }

  @Test
  void blocksAreCommittedInWriteOrderWhateverOrderTheirUploadsFinish() throws Exception {
    OpenInode f = open();
    blocks.hold(true);
    byte[] one = bytes(Limits.BLOCK_MAX_BYTES, 2);
    byte[] two = bytes(Limits.BLOCK_MAX_BYTES, 3);
    f.write(0, ByteBuffer.wrap(one), false);
    f.write(one.length, ByteBuffer.wrap(two), false);
    assertEquals(2, blocks.heldCount(), "two full blocks are uploading");
    blocks.release(1);
    Thread.sleep(200);
    assertTrue(ns.entries().isEmpty(), "the second block waits for the first");
    blocks.release(0);
    f.flush();
    byte[] both = new byte[one.length * 2];
    System.arraycopy(one, 0, both, 0, one.length);
    System.arraycopy(two, 0, both, one.length, two.length);
    assertArrayEquals(both, ns.content(INO));
  }

  @Test
  void aFailedUploadFailsTheFileUntilItIsClosed() throws Exception {
    OpenInode f = open();
    blocks.fail(Errno.ENOSPC);
    f.write(0, ByteBuffer.wrap(bytes(Limits.BLOCK_MAX_BYTES, 4)), false);
    HearthException e = assertThrows(HearthException.class, f::flush);
    assertEquals(Errno.ENOSPC, e.errno(), "a full cluster says so");
    blocks.fail(null);
    assertEquals(
        Errno.ENOSPC,
        assertThrows(HearthException.class, () -> f.write(0, ByteBuffer.wrap(new byte[1]), false))
            .errno(),
        "and keeps saying so");
    assertEquals(0, f.size(), "the lost bytes are not shown");
    assertEquals(OpenInode.State.OPEN, f.state());
    f.retire();
    assertEquals(OpenInode.State.RETIRED, f.state());
  }

  @Test
  void aWaitingChangeShowsAtOnceAndCommitsWithTheData() throws Exception {
    OpenInode f = open();
    f.write(0, ByteBuffer.wrap(bytes(10, 5)), false);
    Attr shown = f.setattr(chmod(0755), ANA, ns.attr(INO));
    assertEquals(0755, shown.getMode() & 07777, "shown at once");
    assertEquals(0644, ns.attr(INO).getMode() & 07777, "not committed yet");
    assertTrue(f.changesWaiting());
    f.flush();
    assertEquals(0755, ns.attr(INO).getMode() & 07777);
    assertFalse(f.changesWaiting());
    List<List<MetaRequest>> entries = ns.entries();
    assertEquals(1, entries.size(), "data and mode in one entry");
    assertTrue(entries.get(0).get(0).hasWrite() && entries.get(0).get(1).hasSetattr());
  }

  @Test
  void aChangeThatTakesARightAwayIsCommittedAtOnce() throws Exception {
    OpenInode f = open();
    f.write(0, ByteBuffer.wrap(bytes(10, 6)), false);
    f.setattr(chmod(0600), ANA, ns.attr(INO));
    assertEquals(0600, ns.attr(INO).getMode() & 07777, "committed before it returned");
    assertEquals(10, ns.attr(INO).getSize(), "after the data written before it");
  }

  @Test
  void aRefusedWaitingChangeIsReportedOnceByTheNextFlush() throws Exception {
    OpenInode f = open();
    f.setattr(utimens(), ANA, ns.attr(INO));
    ns.refuseSetattrs(Errno.EPERM);
    f.commitNow(); // the client's own flush: nothing to report
    HearthException e = assertThrows(HearthException.class, f::flush);
    assertEquals(Errno.EIO, e.errno());
    f.flush(); // reported once
  }

  @Test
  void anotherNodesAppendIsSeenWhileTheFileIsOpen() throws Exception {
    OpenInode f = open();
    f.write(0, ByteBuffer.wrap("line 1\n".getBytes()), false);
    f.flush();
    assertArrayEquals("line 1\n".getBytes(), read(f, 0, 100));
    Attr after = ns.appendAsOther(INO, "line 2\n".getBytes());
    assertEquals(7, f.size(), "nothing told this client yet");
    assertEquals(14, f.observe(after).getSize(), "a stat shows the file grown");
    assertArrayEquals("line 1\nline 2\n".getBytes(), read(f, 0, 100), "and reads see it");
    assertEquals(List.of(INO), changed, "caches above the client are told");
  }

  @Test
  void anOlderObservationNeverHidesANewerOne() throws Exception {
    OpenInode f = open();
    Attr old = ns.attr(INO);
    Attr newer = ns.appendAsOther(INO, new byte[50]);
    f.observe(newer);
    assertEquals(50, f.observe(old).getSize(), "a late reply of an earlier stat changes nothing");
  }

  @Test
  void pendingWritesPastAnotherNodesEndKeepTheirSize() throws Exception {
    OpenInode f = open();
    f.write(100, ByteBuffer.wrap(new byte[10]), false);
    Attr other = ns.appendAsOther(INO, new byte[20]);
    assertEquals(110, f.observe(other).getSize(), "the larger of the two ends");
  }

  @Test
  void anFsyncOfAGrowingFileCommitsTheNewBytesInlineAndKeepsTheBlockOpen() throws Exception {
    OpenInode f = open();
    byte[] big = bytes(Limits.INLINE_FILE_MAX_BYTES + 4096, 7);
    int head = Limits.INLINE_FILE_MAX_BYTES - 4096;
    f.write(0, ByteBuffer.wrap(big, 0, head), false);
    f.fsync(); // a small file so far: inline, as a close would commit it
    f.write(head, ByteBuffer.wrap(big, head, big.length - head), false);
    f.fsync();
    assertEquals(0, blocks.count(), "no block upload for an fsync of a block still filling");
    assertArrayEquals(big, ns.content(INO), "yet every byte is in the namespace");
    f.flush();
    assertEquals(1, blocks.count(), "the close moves the bytes into their block");
    assertArrayEquals(big, ns.content(INO));
  }

  @Test
  void theLastReleaseWithAChangeStillWaitingAsksForAFlush() throws Exception {
    OpenInode f = open();
    f.setattr(utimens(), ANA, ns.attr(INO));
    f.retain();
    assertTrue(f.release());
    assertTrue(f.retire(), "a change waits: the caller must flush it");
    f.flush();
    assertFalse(f.changesWaiting());
    f.setattr(utimens(), ANA, ns.attr(INO));
    assertFalse(f.changesWaiting(), "once retired, nothing waits");
  }

  @Test
  void aSealedQueueFullOfBlocksHoldsTheWriterBack() throws Exception {
    OpenInode f = open();
    blocks.hold(true);
    Thread writer =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    for (int i = 0; i <= WritePipeline.SEALED_MAX; i++) {
                      f.write(
                          (long) i * Limits.BLOCK_MAX_BYTES,
                          ByteBuffer.allocate(Limits.BLOCK_MAX_BYTES),
                          false);
                    }
                  } catch (HearthException e) {
                    throw new RuntimeException(e);
                  }
                });
    assertFalse(writer.join(java.time.Duration.ofMillis(500)), "the writer waits");
    assertEquals(WritePipeline.SEALED_MAX, blocks.heldCount());
    blocks.hold(false);
    for (int i = 0; i < WritePipeline.SEALED_MAX; i++) {
      blocks.release(i);
    }
    assertTrue(writer.join(java.time.Duration.ofSeconds(10)), "and goes on once blocks commit");
    f.flush();
    assertEquals(
        (long) (WritePipeline.SEALED_MAX + 1) * Limits.BLOCK_MAX_BYTES, ns.attr(INO).getSize());
    executor.shutdown();
    assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS));
  }

  private static SetattrReq chmod(int mode) {
    return SetattrReq.newBuilder().setMode(mode).build();
  }

  private static SetattrReq utimens() {
    TimeChange t = TimeChange.newBuilder().setHow(TimeHow.TIME_SET).setNs(42).build();
    return SetattrReq.newBuilder().setAtime(t).setMtime(t).build();
  }
}
