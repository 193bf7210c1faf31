package io.hearth.fuse.kernel;

/** struct fuse_kstatfs: what statfs(2) reports. */
public record StatFs(
    long blocks,
    long blocksFree,
    long blocksAvail,
    long files,
    long filesFree,
    int blockSize,
    int nameMax,
    int fragmentSize) {}
