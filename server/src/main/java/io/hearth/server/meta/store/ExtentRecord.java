package io.hearth.server.meta.store;

import java.nio.ByteBuffer;

/**
 * One extent of a file's chunk map, as stored under {@link KeySchema#extent}: bytes [fileOff,
 * fileOff + len) of the file are bytes [blockOff, blockOff + len) of block {@code blockId} of data
 * group {@code group}. The value holds everything but {@code fileOff}, which is in the key: len:u32
 * group:u32 id:u64 block_off:u32, big-endian. {@code len} and {@code blockOff} are at most
 * Limits.BLOCK_MAX_BYTES, so they fit an int; {@code group} is a u32 kept in an int.
 *
 * <p>An <b>inline</b> extent holds its bytes itself ({@code inline}, of length {@code len}; group,
 * blockId and blockOff are 0): the data of small files lives in the namespace, as Lustre's data on
 * MDT, and costs no data-group write. Its value is the tag byte {@code 'I'} then the bytes; a block
 * extent's value starts with its len, whose first byte is 0 (len <= 4 MiB), so the two never mix.
 */
public record ExtentRecord(
    long fileOff, int len, int group, long blockId, int blockOff, byte[] inline) {
  private static final int BYTES = 4 + 4 + 8 + 4;
  private static final byte INLINE_TAG = 'I';

  /** A block extent. */
  public ExtentRecord(long fileOff, int len, int group, long blockId, int blockOff) {
    this(fileOff, len, group, blockId, blockOff, null);
  }

  /** An inline extent holding {@code bytes} at {@code fileOff}. */
  public static ExtentRecord inline(long fileOff, byte[] bytes) {
    return new ExtentRecord(fileOff, bytes.length, 0, 0, 0, bytes);
  }

  public boolean isInline() {
    return inline != null;
  }

  /** The offset just past the extent's last byte. */
  public long end() {
    return fileOff + len;
  }

  /** The block the bytes are in, or null for an inline extent. */
  public BlockKey block() {
    return inline != null ? null : new BlockKey(group, blockId);
  }

  /** The bytes [from, to) of this extent, which must lie inside it, still in the same block. */
  public ExtentRecord slice(long from, long to) {
    if (from < fileOff || to > end() || from >= to) {
      throw new IllegalArgumentException("[" + from + ", " + to + ") is not inside " + this);
    }
    if (inline != null) {
      return inline(
          from, java.util.Arrays.copyOfRange(inline, (int) (from - fileOff), (int) (to - fileOff)));
    }
    return new ExtentRecord(
        from, (int) (to - from), group, blockId, blockOff + (int) (from - fileOff));
  }

  public byte[] encodeValue() {
    if (inline != null) {
      byte[] v = new byte[1 + inline.length];
      v[0] = INLINE_TAG;
      System.arraycopy(inline, 0, v, 1, inline.length);
      return v;
    }
    return ByteBuffer.allocate(BYTES)
        .putInt(len)
        .putInt(group)
        .putLong(blockId)
        .putInt(blockOff)
        .array();
  }

  /** Decodes a stored extent; a value this build cannot read is a broken invariant. */
  public static ExtentRecord decode(byte[] key, byte[] value) {
    if (value.length > 1 && value[0] == INLINE_TAG) {
      return inline(
          KeySchema.extentFileOff(key), java.util.Arrays.copyOfRange(value, 1, value.length));
    }
    if (value.length != BYTES) {
      throw new IllegalStateException("extent value of " + value.length + " bytes");
    }
    ByteBuffer b = ByteBuffer.wrap(value);
    return new ExtentRecord(
        KeySchema.extentFileOff(key), b.getInt(), b.getInt(), b.getLong(), b.getInt());
  }

  /** A block of a data group, ordered as its {@link KeySchema#blockRefs} keys are. */
  public record BlockKey(int group, long id) implements Comparable<BlockKey> {
    @Override
    public int compareTo(BlockKey o) {
      int c = Integer.compareUnsigned(group, o.group);
      return c != 0 ? c : Long.compareUnsigned(id, o.id);
    }

    @Override
    public String toString() {
      return Integer.toUnsignedString(group) + ":" + Long.toUnsignedString(id);
    }
  }
}
