package io.hearth.protocol;

import java.io.IOException;

/**
 * An expected failure of a file system operation, named by its errno. It crosses the wire as the
 * errno number plus a detail, and becomes -errno at the FUSE boundary.
 */
public class HearthException extends IOException {
  private final Errno errno;

  public HearthException(Errno errno, String detail) {
    super(errno.name() + ": " + detail);
    this.errno = errno;
  }

  public HearthException(Errno errno, String detail, Throwable cause) {
    super(errno.name() + ": " + detail, cause);
    this.errno = errno;
  }

  public Errno errno() {
    return errno;
  }

  /** The detail without the errno name in front. */
  public String detail() {
    String m = getMessage();
    int colon = m.indexOf(": ");
    return colon < 0 ? m : m.substring(colon + 2);
  }
}
