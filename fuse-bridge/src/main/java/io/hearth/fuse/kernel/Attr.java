package io.hearth.fuse.kernel;

/**
 * An inode's attributes as the kernel caches them (struct fuse_attr). Times are nanoseconds since
 * the epoch; {@code blocks} counts 512-byte units.
 */
public record Attr(
    long ino,
    long size,
    long blocks,
    long atimeNs,
    long mtimeNs,
    long ctimeNs,
    int mode,
    int nlink,
    int uid,
    int gid,
    int rdev,
    int blksize) {}
