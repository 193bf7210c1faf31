package io.hearth.fuse.kernel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import io.hearth.fuse.kernel.Layout.InHeader;
import java.lang.foreign.MemorySegment;

/**
 * One request as read from the kernel, decoded in place: a view over the request thread's buffer
 * (fuse_in_header, then the opcode's struct, then names or data). Reused for every request the
 * thread reads; nothing in it is valid after the reply. Offsets given to the accessors count from
 * the end of the header, as fuse.h's structs do.
 */
final class Request implements Caller {
  private final MemorySegment buf;
  private int len;
  private int argsEnd;
  private long unique;

  /** The unique id of a request the kernel asked to interrupt; checked against this one's. */
  private volatile long interruptedUnique = -1;

  Request(MemorySegment buf) {
    this.buf = buf;
  }

  /**
   * Takes the {@code n} bytes just read. False if they are not a request (shorter than the header,
   * or a length that disagrees with what was read).
   */
  boolean reset(int n) {
    if (n < InHeader.SIZE || buf.get(JAVA_INT_UNALIGNED, InHeader.LEN) != n) {
      return false;
    }
    int ext = Short.toUnsignedInt(buf.get(JAVA_SHORT_UNALIGNED, InHeader.TOTAL_EXTLEN)) * 8;
    if (ext > n - InHeader.SIZE) {
      return false;
    }
    this.len = n;
    this.argsEnd = n - ext;
    this.unique = buf.get(JAVA_LONG_UNALIGNED, InHeader.UNIQUE);
    return true;
  }

  int length() {
    return len;
  }

  int opcode() {
    return buf.get(JAVA_INT_UNALIGNED, InHeader.OPCODE);
  }

  long unique() {
    return unique;
  }

  long nodeId() {
    return buf.get(JAVA_LONG_UNALIGNED, InHeader.NODEID);
  }

  @Override
  public int uid() {
    return buf.get(JAVA_INT_UNALIGNED, InHeader.UID);
  }

  @Override
  public int gid() {
    return buf.get(JAVA_INT_UNALIGNED, InHeader.GID);
  }

  @Override
  public int pid() {
    return buf.get(JAVA_INT_UNALIGNED, InHeader.PID);
  }

  @Override
  public boolean interrupted() {
    return interruptedUnique == unique;
  }

  void interrupt(long target) {
    interruptedUnique = target;
  }

  /** Bytes of arguments after the header (extensions excluded). */
  int argsLength() {
    return argsEnd - InHeader.SIZE;
  }

  /** True if the arguments hold at least {@code n} bytes. */
  boolean hasArgs(int n) {
    return argsLength() >= n;
  }

  int u32(int off) {
    return buf.get(JAVA_INT_UNALIGNED, InHeader.SIZE + off);
  }

  long u64(int off) {
    return buf.get(JAVA_LONG_UNALIGNED, InHeader.SIZE + off);
  }

  /**
   * The NUL-terminated name starting at {@code off}, without its NUL; null when there is no NUL
   * before the end of the arguments (a malformed request).
   */
  byte[] name(int off) {
    long start = InHeader.SIZE + off;
    for (long i = start; i < argsEnd; i++) {
      if (buf.get(JAVA_BYTE, i) == 0) {
        return buf.asSlice(start, i - start).toArray(JAVA_BYTE);
      }
    }
    return null;
  }

  /** {@code size} bytes of the arguments from {@code off} (WRITE's data, SETXATTR's value). */
  MemorySegment slice(int off, long size) {
    return buf.asSlice(InHeader.SIZE + off, size);
  }
}
