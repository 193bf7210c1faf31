package io.hearth.cli;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;

/** Extended attribute values written the way setfattr(1) reads them and getfattr(1) prints them. */
final class XattrValues {
  private XattrValues() {}

  /** "0x..." is hex, "0s..." base64, anything else text (surrounding double quotes dropped). */
  static byte[] decode(String v) {
    if (v.length() >= 2 && (v.startsWith("0x") || v.startsWith("0X"))) {
      return HexFormat.of().parseHex(v.substring(2));
    }
    if (v.length() >= 2 && (v.startsWith("0s") || v.startsWith("0S"))) {
      return Base64.getDecoder().decode(v.substring(2));
    }
    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
      v = v.substring(1, v.length() - 1);
    }
    return v.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Encodings getfattr -e takes; AUTO is text when printable, else base64, as getfattr's default.
   */
  enum Encoding {
    AUTO,
    TEXT,
    HEX,
    BASE64
  }

  static String encode(byte[] v, Encoding e) {
    return switch (e) {
      case HEX -> "0x" + HexFormat.of().formatHex(v);
      case BASE64 -> "0s" + Base64.getEncoder().encodeToString(v);
      case TEXT -> text(v);
      case AUTO -> printable(v) ? text(v) : encode(v, Encoding.BASE64);
    };
  }

  private static boolean printable(byte[] v) {
    for (int i = 0; i < v.length; i++) {
      int b = v[i] & 0xff;
      // A trailing NUL is common (C strings) and still prints as text, as getfattr allows.
      boolean ok =
          (b >= 0x20 && b < 0x7f)
              || b == '\t'
              || b == '\n'
              || b == '\r'
              || b >= 0x80
              || (b == 0 && i == v.length - 1);
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Quoted, with '"', '\\' and control characters as octal escapes. */
  private static String text(byte[] v) {
    StringBuilder b = new StringBuilder("\"");
    String s = new String(v, StandardCharsets.UTF_8);
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '"' || ch == '\\' || ch < 0x20 || ch == 0x7f) {
        b.append(String.format("\\%03o", (int) ch));
      } else {
        b.append(ch);
      }
    }
    return b.append('"').toString();
  }
}
