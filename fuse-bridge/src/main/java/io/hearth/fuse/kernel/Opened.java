package io.hearth.fuse.kernel;

/**
 * An open file or directory (struct fuse_open_out): the handle the kernel passes back on every call
 * through it, and FOPEN_* flags (FOPEN_KEEP_CACHE keeps the page cache, FOPEN_DIRECT_IO bypasses
 * it, FOPEN_CACHE_DIR caches readdir).
 */
public record Opened(long fh, int openFlags) {}
