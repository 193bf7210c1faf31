package io.hearth.cli;

/** Just enough JSON writing for --json output: strings, numbers, booleans and null. */
final class Json {
  private Json() {}

  static StringBuilder field(StringBuilder b, String name, Object value) {
    string(b, name).append(':');
    return switch (value) {
      case null -> b.append("null");
      case Number n -> b.append(n);
      case Boolean v -> b.append(v);
      default -> string(b, value.toString());
    };
  }

  static StringBuilder string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"');
  }
}
