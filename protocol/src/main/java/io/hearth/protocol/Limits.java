package io.hearth.protocol;

/**
 * The sizes every layer checks at its edge. Linux's values, so that programs see what they expect.
 */
public final class Limits {
  /** Longest name of one directory entry, in bytes (NAME_MAX). */
  public static final int NAME_MAX_BYTES = 255;

  /** Longest path, in bytes, including the terminating NUL (PATH_MAX). */
  public static final int PATH_MAX_BYTES = 4096;

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

  private Limits() {}
}
