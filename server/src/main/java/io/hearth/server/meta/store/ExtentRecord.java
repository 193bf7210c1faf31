package io.hearth.server.meta.store;

import java.nio.ByteBuffer;

/**
 * One extent of a file's chunk map, as stored under {@link KeySchema#extent}: bytes [fileOff,
 * fileOff + len) of the file are bytes [blockOff, blockOff + len) of block {@code blockId} of data
 * group {@code group}. The value holds everything but {@code fileOff}, which is in the key: len:u32
 * group:u32 id:u64 block_off:u32, big-endian. {@code len} and {@code blockOff} are at most
 * Limits.BLOCK_MAX_BYTES, so they fit an int; {@code group} is a u32 kept in an int.
 */
public record ExtentRecord(long fileOff, int len, int group, long blockId, int blockOff) {
  private static final int BYTES = 4 + 4 + 8 + 4;

  /** The offset just past the extent's last byte. */
  public long end() {
    return fileOff + len;
  }

  public BlockKey block() {
    return new BlockKey(group, blockId);
  }

  /** The bytes [from, to) of this extent, which must lie inside it, still in the same block. */
  public ExtentRecord slice(long from, long to) {
    if (from < fileOff || to > end() || from >= to) {
      throw new IllegalArgumentException("[" + from + ", " + to + ") is not inside " + this);
    }
    return new ExtentRecord(
        from, (int) (to - from), group, blockId, blockOff + (int) (from - fileOff));
  }

  public byte[] encodeValue() {
    return ByteBuffer.allocate(BYTES)
        .putInt(len)
        .putInt(group)
        .putLong(blockId)
        .putInt(blockOff)
        .array();
  }

  /** Decodes a stored extent; a value this build cannot read is a broken invariant. */
  public static ExtentRecord decode(byte[] key, byte[] value) {
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
