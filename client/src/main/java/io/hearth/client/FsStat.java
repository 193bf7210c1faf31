package io.hearth.client;

/** statfs(2): capacity in blocks of {@code blockSize} bytes, and inodes. */
public record FsStat(
    int blockSize,
    long blocks,
    long blocksFree,
    long blocksAvail,
    long files,
    long filesFree,
    int nameMax) {}
