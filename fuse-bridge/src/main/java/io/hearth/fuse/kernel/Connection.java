package io.hearth.fuse.kernel;

/**
 * What INIT settled with the kernel.
 *
 * @param minor the protocol minor both sides speak (the lower of theirs)
 * @param flags the FuseAbi init flags in force (what the kernel offered and the session wanted)
 * @param maxWrite the largest WRITE payload the kernel will send
 * @param maxReadahead the most the kernel reads ahead of a reader
 * @param maxPages pages per request (FUSE_MAX_PAGES); READ asks up to this many
 */
public record Connection(
    int minor, long flags, int maxWrite, int maxReadahead, int maxPages, long kernelFlags) {
  public boolean has(long flag) {
    return (flags & flag) != 0;
  }
}
