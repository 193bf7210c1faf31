package io.hearth.fuse.kernel;

/**
 * What SETATTR asks to change: {@code valid} holds FuseAbi.FATTR_* bits and only the fields they
 * name mean anything. FATTR_ATIME_NOW / FATTR_MTIME_NOW mean "now" (the file system's clock).
 *
 * @param fh the open handle when FATTR_FH is set (ftruncate, futimens), else 0
 */
public record SetAttr(
    int valid,
    long fh,
    long size,
    long lockOwner,
    long atimeNs,
    long mtimeNs,
    long ctimeNs,
    int mode,
    int uid,
    int gid) {
  public boolean has(int fattrBit) {
    return (valid & fattrBit) != 0;
  }
}
