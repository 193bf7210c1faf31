package io.hearth.protocol;

import java.util.HashMap;
import java.util.Map;

/**
 * Linux errno values: how every expected failure is named, on the wire and at the FUSE boundary.
 */
public enum Errno {
  EPERM(1, "Operation not permitted"),
  ENOENT(2, "No such file or directory"),
  EINTR(4, "Interrupted system call"),
  EIO(5, "Input/output error"),
  E2BIG(7, "Argument list too long"),
  EBADF(9, "Bad file descriptor"),
  EAGAIN(11, "Resource temporarily unavailable"),
  ENOMEM(12, "Cannot allocate memory"),
  EACCES(13, "Permission denied"),
  EBUSY(16, "Device or resource busy"),
  EEXIST(17, "File exists"),
  EXDEV(18, "Invalid cross-device link"),
  ENODEV(19, "No such device"),
  ENOTDIR(20, "Not a directory"),
  EISDIR(21, "Is a directory"),
  EINVAL(22, "Invalid argument"),
  ENFILE(23, "Too many open files in system"),
  ENOTTY(25, "Inappropriate ioctl for device"),
  EFBIG(27, "File too large"),
  ENOSPC(28, "No space left on device"),
  EROFS(30, "Read-only file system"),
  EMLINK(31, "Too many links"),
  ERANGE(34, "Numerical result out of range"),
  EDEADLK(35, "Resource deadlock avoided"),
  ENAMETOOLONG(36, "File name too long"),
  ENOLCK(37, "No locks available"),
  ENOSYS(38, "Function not implemented"),
  ENOTEMPTY(39, "Directory not empty"),
  ELOOP(40, "Too many levels of symbolic links"),
  ENODATA(61, "No data available"),
  EOVERFLOW(75, "Value too large for defined data type"),
  EOPNOTSUPP(95, "Operation not supported"),
  ETIMEDOUT(110, "Connection timed out"),
  EHOSTUNREACH(113, "No route to host"),
  ESTALE(116, "Stale file handle"),
  EDQUOT(122, "Disk quota exceeded");

  private static final Map<Integer, Errno> BY_CODE = new HashMap<>();

  static {
    for (Errno e : values()) {
      BY_CODE.put(e.code, e);
    }
  }

  private final int code;
  private final String description;

  Errno(int code, String description) {
    this.code = code;
    this.description = description;
  }

  /** The Linux errno number; FUSE replies with its negation. */
  public int code() {
    return code;
  }

  public String description() {
    return description;
  }

  /** The errno for a number received from the wire; EIO for one this build does not know. */
  public static Errno of(int code) {
    Errno e = BY_CODE.get(code);
    return e == null ? EIO : e;
  }

  /** The errno whose name starts {@code text} ("ENOENT: ..."), or null. */
  public static Errno parsePrefix(String text) {
    if (text == null) {
      return null;
    }
    int end = 0;
    while (end < text.length() && Character.isLetterOrDigit(text.charAt(end))) {
      end++;
    }
    try {
      return valueOf(text.substring(0, end));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
