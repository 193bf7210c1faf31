package io.hearth.server.data;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.data.PutBlock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * The on-disk format of one block: a 4 KiB header ({@code 'HBK2'}, length, CRC count, the CRC32C of
 * each 64 KiB of data, zero padding) followed by the data. A block file is self-describing, so a
 * replica can verify and serve it, and a repair can copy it, without any other index. The header
 * fills one 4 KiB page so that the data is aligned for O_DIRECT writes.
 */
final class BlockFile {
  static final int MAGIC = 0x48424b32; // "HBK2"
  static final int HEADER_BYTES = 4096;
  private static final int FIXED_BYTES = 12;

  private BlockFile() {}

  static int crcCount(long length) {
    return (int) ((length + Limits.CRC_CHUNK_BYTES - 1) / Limits.CRC_CHUNK_BYTES);
  }

  static int headerBytes(PutBlock h) {
    return HEADER_BYTES;
  }

  /** Checks a header a client sent: a sane length and one CRC per 64 KiB. */
  static void check(PutBlock h) throws HearthException {
    if (h.getLength() <= 0 || h.getLength() > Limits.BLOCK_MAX_BYTES) {
      throw new HearthException(
          Errno.EINVAL, "block length " + h.getLength() + " not in 1.." + Limits.BLOCK_MAX_BYTES);
    }
    if (h.getCrc32CCount() != crcCount(h.getLength())) {
      throw new HearthException(
          Errno.EINVAL,
          h.getCrc32CCount() + " CRCs for " + h.getLength() + " bytes; expected one per 64 KiB");
    }
  }

  static ByteBuffer encodeHeader(PutBlock h) {
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES);
    b.putInt(MAGIC).putInt(h.getLength()).putInt(h.getCrc32CCount());
    for (int crc : h.getCrc32CList()) {
      b.putInt(crc);
    }
    return b.clear();
  }

  /** Reads and checks the header of an open block file. */
  static PutBlock readHeader(FileChannel ch) throws IOException {
    ByteBuffer fixed = ByteBuffer.allocate(FIXED_BYTES);
    readFully(ch, fixed, 0);
    fixed.flip();
    int magic = fixed.getInt();
    int length = fixed.getInt();
    int count = fixed.getInt();
    if (magic != MAGIC || length <= 0 || length > Limits.BLOCK_MAX_BYTES) {
      throw new HearthException(Errno.EIO, "bad block header");
    }
    if (count != crcCount(length)) {
      throw new HearthException(Errno.EIO, "bad block header CRC count");
    }
    ByteBuffer crcs = ByteBuffer.allocate(4 * count);
    readFully(ch, crcs, FIXED_BYTES);
    crcs.flip();
    PutBlock.Builder h = PutBlock.newBuilder().setLength(length);
    for (int i = 0; i < count; i++) {
      h.addCrc32C(crcs.getInt());
    }
    if (ch.size() != headerBytes(h.build()) + (long) length) {
      throw new HearthException(
          Errno.EIO, "block file is " + ch.size() + " bytes, header says more");
    }
    return h.build();
  }

  static void readFully(FileChannel ch, ByteBuffer dst, long pos) throws IOException {
    while (dst.hasRemaining()) {
      int n = ch.read(dst, pos);
      if (n < 0) {
        throw new HearthException(Errno.EIO, "block file ends early");
      }
      pos += n;
    }
  }

  static int crc(ByteBuffer data) {
    CRC32C c = new CRC32C();
    c.update(data);
    return (int) c.getValue();
  }

  /**
   * Reads bytes [off, off + len) of the block's data, verifying every 64 KiB chunk they touch.
   *
   * @throws HearthException EIO naming the chunk when a CRC does not match
   */
  static ByteBuffer readVerified(FileChannel ch, PutBlock h, int off, int len) throws IOException {
    int chunk = Limits.CRC_CHUNK_BYTES;
    int first = off / chunk;
    int last = (off + len - 1) / chunk;
    int start = first * chunk;
    int end = Math.min(h.getLength(), (last + 1) * chunk);
    // Mapped, not read: the bytes go from the page cache to the reply without a copy in between
    // (reading into a heap buffer costs a temporary direct buffer, zeroed, and two copies). Block
    // files are never truncated, so the mapping stays valid even if the file is deleted meanwhile.
    ByteBuffer buf =
        ch.map(FileChannel.MapMode.READ_ONLY, headerBytes(h) + (long) start, end - start);
    for (int i = first; i <= last; i++) {
      ByteBuffer piece = buf.slice((i - first) * chunk, Math.min(chunk, end - i * chunk));
      if (crc(piece) != h.getCrc32C(i)) {
        throw new HearthException(Errno.EIO, "CRC mismatch in chunk " + i);
      }
    }
    return buf.slice(off - start, len).asReadOnlyBuffer();
  }
}
