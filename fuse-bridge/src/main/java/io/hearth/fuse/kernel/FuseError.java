package io.hearth.fuse.kernel;

/**
 * An operation's expected failure: the errno the kernel passes to the caller. Cheap to throw (no
 * stack trace), since ENOENT on lookup is an everyday answer.
 */
public final class FuseError extends Exception {
  private final int errno;

  public FuseError(int errno) {
    super("errno " + errno, null, false, false);
    if (errno <= 0 || errno > 4095) {
      throw new IllegalArgumentException("errno out of range: " + errno);
    }
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }
}
