package io.hearth.protocol;

/**
 * The sizes every layer checks at its edge. Linux's values, so that programs see what they expect.
 */
public final class Limits {
  /** Longest name of one directory entry, in bytes (NAME_MAX). */
  public static final int NAME_MAX_BYTES = 255;

  /**
   * Longest path the namespace resolves in one request, in bytes. Not PATH_MAX (4096): the kernel
   * holds each path a program passes to that, but a FUSE mount sees paths from its root, which a
   * deep working directory makes longer (mkdir -p of 4 KiB, cd into it, and again). A bound still,
   * on the work of one request; a request is at most {@link #META_REQUEST_MAX_BYTES} anyway.
   */
  public static final int PATH_MAX_BYTES = 64 << 10;

  /** Longest symlink target, in bytes. */
  public static final int SYMLINK_MAX_BYTES = 4095;

  /** Longest xattr name, in bytes (XATTR_NAME_MAX). */
  public static final int XATTR_NAME_MAX_BYTES = 255;

  /** Largest xattr value, in bytes (XATTR_SIZE_MAX). */
  public static final int XATTR_VALUE_MAX_BYTES = 65536;

  /** Most xattr bytes (names plus values) one inode may hold. */
  public static final int XATTR_TOTAL_MAX_BYTES = 1 << 20;

  /** Largest meta request the server accepts, in bytes. */
  public static final int META_REQUEST_MAX_BYTES = 256 * 1024;

  /** Most requests one batch may carry; each may allocate two ids of its entry's 256. */
  public static final int BATCH_REQUESTS_MAX = 64;

  /** Most entries one readdir page returns. */
  public static final int READDIR_PAGE_MAX_ENTRIES = 4096;

  /** Symlinks followed while resolving one path before ELOOP (Linux's MAXSYMLINKS). */
  public static final int SYMLINK_FOLLOW_MAX = 40;

  /** Hard links one inode may have. */
  public static final int LINK_MAX = 65000;

  /** Largest block, in bytes: the write-back buffer seals a block when it reaches this size. */
  public static final int BLOCK_MAX_BYTES = 4 << 20;

  /** Bytes covered by one CRC32C of a block. */
  public static final int CRC_CHUNK_BYTES = 64 << 10;

  /** Largest read of one block in one request, in bytes. */
  public static final int BLOCK_READ_MAX_BYTES = 4 << 20;

  /**
   * A file whose bytes all lie below this offset (a small file) has them committed inline, in the
   * namespace, instead of in a block: one meta commit. Past it, inline bytes are only an fsync's
   * write-ahead, replaced by their block when it is committed (client/vfs OpenInode#fsync).
   */
  public static final int INLINE_FILE_MAX_BYTES = 64 << 10;

  /** Most inline bytes one WriteReq may carry, over all its extents. */
  public static final int INLINE_WRITE_MAX_BYTES = 64 << 10;

  /** Most extents one WriteReq may carry. */
  public static final int WRITE_EXTENTS_MAX = 1024;

  /** Most extents one ReadMapReq returns. */
  public static final int READ_MAP_EXTENTS_MAX = 4096;

  /** Largest file size, in bytes (2^46 = 64 TiB, ext4's is 16 TiB). */
  public static final long FILE_SIZE_MAX_BYTES = 1L << 46;

  private Limits() {}
}
