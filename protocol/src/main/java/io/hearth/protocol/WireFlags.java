package io.hearth.protocol;

/**
 * Flag values requests carry, as Linux numbers them, so a FUSE bridge can pass them straight on.
 */
public final class WireFlags {
  /** renameat2: fail with EEXIST when the target exists. */
  public static final int RENAME_NOREPLACE = 1;

  /** renameat2: swap the two names atomically; both must exist. */
  public static final int RENAME_EXCHANGE = 2;

  /** setxattr: fail with EEXIST when the attribute exists. */
  public static final int XATTR_CREATE = 1;

  /** setxattr: fail with ENODATA when the attribute does not exist. */
  public static final int XATTR_REPLACE = 2;

  private WireFlags() {}
}
