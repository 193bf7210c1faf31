package io.hearth.fuse.kernel;

/**
 * Who sent a request: the calling thread's ids as the kernel saw them (fuse_in_header), and whether
 * the caller gave up on it (a signal: FUSE_INTERRUPT). Valid only while the request is being
 * served.
 */
public interface Caller {
  int uid();

  int gid();

  /** The calling thread's id (a tid; the process id for a single-threaded caller). */
  int pid();

  /** True once the kernel asked to interrupt this request; a long wait should stop with EINTR. */
  boolean interrupted();
}
