package io.hearth.fuse.kernel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import io.hearth.fuse.kernel.Layout.AttrOut;
import io.hearth.fuse.kernel.Layout.EntryOut;
import io.hearth.fuse.kernel.Layout.OutHeader;
import java.lang.foreign.MemorySegment;

/**
 * The reply buffer of one request thread: fuse_out_header, then the payload encoded in place, sent
 * with one write(2) (the kernel takes a reply only whole). Offsets given to the putters count from
 * the end of the header. Also encodes notifications, which are replies with unique 0 and the notify
 * code in the error field.
 */
final class Reply {
  private final MemorySegment buf;

  Reply(MemorySegment buf) {
    this.buf = buf;
  }

  MemorySegment buffer() {
    return buf;
  }

  /** The most payload one reply can carry. */
  int capacity() {
    return (int) buf.byteSize() - OutHeader.SIZE;
  }

  /** The payload from {@code off}, {@code size} bytes (READ's data goes straight in). */
  MemorySegment payload(int off, int size) {
    return buf.asSlice(OutHeader.SIZE + off, size);
  }

  /** Zeroes {@code size} payload bytes from {@code off}: padding and unused fields. */
  void zero(int off, int size) {
    buf.asSlice(OutHeader.SIZE + off, size).fill((byte) 0);
  }

  void u16(int off, int v) {
    buf.set(JAVA_SHORT_UNALIGNED, OutHeader.SIZE + off, (short) v);
  }

  void u32(int off, int v) {
    buf.set(JAVA_INT_UNALIGNED, OutHeader.SIZE + off, v);
  }

  void u64(int off, long v) {
    buf.set(JAVA_LONG_UNALIGNED, OutHeader.SIZE + off, v);
  }

  void bytes(int off, byte[] b) {
    MemorySegment.copy(b, 0, buf, JAVA_BYTE, OutHeader.SIZE + off, b.length);
  }

  /** Writes the header for a reply of {@code payload} bytes; returns the whole length. */
  int header(long unique, int error, int payload) {
    int total = OutHeader.SIZE + payload;
    buf.set(JAVA_INT_UNALIGNED, OutHeader.LEN, total);
    buf.set(JAVA_INT_UNALIGNED, OutHeader.ERROR, error);
    buf.set(JAVA_LONG_UNALIGNED, OutHeader.UNIQUE, unique);
    return total;
  }

  /** struct fuse_attr at {@code off}. */
  void attr(int off, Attr a) {
    u64(off + Layout.Attr.INO, a.ino());
    u64(off + Layout.Attr.SIZE_, a.size());
    u64(off + Layout.Attr.BLOCKS, a.blocks());
    u64(off + Layout.Attr.ATIME, Math.floorDiv(a.atimeNs(), 1_000_000_000L));
    u64(off + Layout.Attr.MTIME, Math.floorDiv(a.mtimeNs(), 1_000_000_000L));
    u64(off + Layout.Attr.CTIME, Math.floorDiv(a.ctimeNs(), 1_000_000_000L));
    u32(off + Layout.Attr.ATIMENSEC, (int) Math.floorMod(a.atimeNs(), 1_000_000_000L));
    u32(off + Layout.Attr.MTIMENSEC, (int) Math.floorMod(a.mtimeNs(), 1_000_000_000L));
    u32(off + Layout.Attr.CTIMENSEC, (int) Math.floorMod(a.ctimeNs(), 1_000_000_000L));
    u32(off + Layout.Attr.MODE, a.mode());
    u32(off + Layout.Attr.NLINK, a.nlink());
    u32(off + Layout.Attr.UID, a.uid());
    u32(off + Layout.Attr.GID, a.gid());
    u32(off + Layout.Attr.RDEV, a.rdev());
    u32(off + Layout.Attr.BLKSIZE, a.blksize());
    u32(off + Layout.Attr.FLAGS, 0);
  }

  /** A validity in nanoseconds as the kernel's seconds + nanoseconds pair, at two offsets. */
  private void validity(int secOff, int nsecOff, long ns) {
    long v = Math.max(0, ns);
    u64(secOff, v / 1_000_000_000L);
    u32(nsecOff, (int) (v % 1_000_000_000L));
  }

  /** struct fuse_entry_out at {@code off}; a negative entry has node id 0 and zero attributes. */
  void entry(int off, Entry e) {
    u64(off + EntryOut.NODEID, e.nodeId());
    u64(off + EntryOut.GENERATION, e.generation());
    validity(off + EntryOut.ENTRY_VALID, off + EntryOut.ENTRY_VALID_NSEC, e.entryValidNs());
    validity(off + EntryOut.ATTR_VALID, off + EntryOut.ATTR_VALID_NSEC, e.attrValidNs());
    if (e.attr() == null) {
      zero(off + EntryOut.ATTR, Layout.Attr.SIZE);
    } else {
      attr(off + EntryOut.ATTR, e.attr());
    }
  }

  /** struct fuse_attr_out at {@code off}. */
  void attrOut(int off, AttrReply r) {
    validity(off + AttrOut.ATTR_VALID, off + AttrOut.ATTR_VALID_NSEC, r.validNs());
    u32(off + AttrOut.ATTR_VALID_NSEC + 4, 0);
    attr(off + AttrOut.ATTR, r.attr());
  }
}
