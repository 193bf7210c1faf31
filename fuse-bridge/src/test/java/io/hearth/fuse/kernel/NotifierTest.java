package io.hearth.fuse.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hearth.fuse.kernel.Frames.Written;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Notifications are replies with unique 0 and the notify code as the error. */
class NotifierTest {
  final Frames.QueueChannel ch = new Frames.QueueChannel();
  final AtomicReference<Connection> conn = new AtomicReference<>();
  final Notifier n = new Notifier(ch, conn::get, 1 << 16);

  private void connect(int minor, long kernelFlags) {
    conn.set(new Connection(minor, 0, 1 << 20, 131072, 256, kernelFlags));
  }

  @Test
  void nothingBeforeInit() throws Exception {
    assertEquals(-Errnos.ENOSYS, n.invalInode(5, 0, 0));
    assertEquals(null, ch.poll(10));
  }

  @Test
  void invalInode() throws Exception {
    connect(38, 0);
    assertEquals(0, n.invalInode(5, -1, 0));
    Written w = ch.next();
    assertEquals(16 + 24, w.len());
    assertEquals(FuseAbi.NOTIFY_INVAL_INODE, w.error());
    assertEquals(0, w.unique());
    assertEquals(5, w.u64(0));
    assertEquals(-1, w.u64(8));
    assertEquals(0, w.u64(16));
  }

  @Test
  void invalEntryCarriesTheNameAndItsNul() throws Exception {
    connect(38, FuseAbi.HAS_EXPIRE_ONLY);
    byte[] name = {'a', (byte) 0xff};
    assertEquals(0, n.invalEntry(1, name, true));
    Written w = ch.next();
    assertEquals(16 + 16 + 3, w.len());
    assertEquals(FuseAbi.NOTIFY_INVAL_ENTRY, w.error());
    assertEquals(1, w.u64(0));
    assertEquals(2, w.u32(8));
    assertEquals(FuseAbi.EXPIRE_ONLY, w.u32(12));
    assertArrayEquals(new byte[] {'a', (byte) 0xff, 0}, w.bytes(16, 3));
  }

  @Test
  void expireOnlyNeedsTheKernelToOfferIt() throws Exception {
    connect(38, 0);
    n.invalEntry(1, new byte[] {'a'}, true);
    assertEquals(0, ch.next().u32(12));
  }

  @Test
  void delete() throws Exception {
    connect(31, 0);
    assertEquals(0, n.delete(1, 42, new byte[] {'f'}));
    Written w = ch.next();
    assertEquals(16 + 24 + 2, w.len());
    assertEquals(FuseAbi.NOTIFY_DELETE, w.error());
    assertEquals(1, w.u64(0));
    assertEquals(42, w.u64(8));
    assertEquals(1, w.u32(16));
  }

  @Test
  void store() throws Exception {
    connect(38, 0);
    assertEquals(0, n.store(7, 4096, MemorySegment.ofArray("data".getBytes())));
    Written w = ch.next();
    assertEquals(16 + 24 + 4, w.len());
    assertEquals(FuseAbi.NOTIFY_STORE, w.error());
    assertEquals(7, w.u64(0));
    assertEquals(4096, w.u64(8));
    assertEquals(4, w.u32(16));
    assertArrayEquals("data".getBytes(), w.bytes(24, 4));
  }

  @Test
  void namesLongerThanNameMaxAreRefused() {
    connect(38, 0);
    assertEquals(-Errnos.ENAMETOOLONG, n.invalEntry(1, new byte[256], false));
  }
}
