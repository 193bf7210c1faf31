package io.hearth.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The rules for names and paths, checked the same way by client and server. */
public final class Names {
  private Names() {}

  /**
   * Checks one directory entry name: 1..255 bytes, no '/' and no NUL. "." and ".." pass here; each
   * operation decides what they mean for it.
   */
  public static void check(byte[] name) throws HearthException {
    if (name.length == 0) {
      throw new HearthException(Errno.ENOENT, "empty name");
    }
    if (name.length > Limits.NAME_MAX_BYTES) {
      throw new HearthException(
          Errno.ENAMETOOLONG, "name of " + name.length + " bytes, longer than 255");
    }
    for (byte b : name) {
      if (b == '/' || b == 0) {
        throw new HearthException(Errno.EINVAL, "name contains '/' or NUL");
      }
    }
  }

  public static boolean isDot(byte[] name) {
    return name.length == 1 && name[0] == '.';
  }

  public static boolean isDotDot(byte[] name) {
    return name.length == 2 && name[0] == '.' && name[1] == '.';
  }

  /** Splits an absolute or relative path into its components, dropping empty ones. */
  public static List<byte[]> split(String path) throws HearthException {
    byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
    if (bytes.length >= Limits.PATH_MAX_BYTES) {
      throw new HearthException(Errno.ENAMETOOLONG, "path of " + bytes.length + " bytes");
    }
    List<byte[]> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= bytes.length; i++) {
      if (i == bytes.length || bytes[i] == '/') {
        if (i > start) {
          byte[] c = new byte[i - start];
          System.arraycopy(bytes, start, c, 0, c.length);
          check(c);
          out.add(c);
        }
        start = i + 1;
      }
    }
    return out;
  }

  public static String toString(byte[] name) {
    return new String(name, StandardCharsets.UTF_8);
  }
}
