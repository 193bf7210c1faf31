package io.hearth.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes as truncate(1) takes them: a number with an optional unit (K, M, G, T, P, E: powers of
 * 1024, also written KiB, MiB...; KB, MB...: powers of 1000), optionally led by a modifier: {@code
 * +} extend by, {@code -} reduce by, {@code <} at most, {@code >} at least, {@code /} round down to
 * a multiple of, {@code %} round up to a multiple of.
 */
final class Sizes {
  private static final Pattern SIZE =
      Pattern.compile("([-+<>/%]?)\\s*([0-9]+)(?:([KMGTPE])(iB|B)?)?", Pattern.CASE_INSENSITIVE);
  private static final String UNITS = "KMGTPE";

  private Sizes() {}

  /** A parsed SIZE: the modifier (0 for none) and the number of bytes. */
  record Spec(char op, long bytes) {
    /** The new size of a file whose size is {@code current}. */
    long apply(long current) {
      return switch (op) {
        case '+' -> Math.addExact(current, bytes);
        case '-' -> Math.max(0, current - bytes);
        case '<' -> Math.min(current, bytes);
        case '>' -> Math.max(current, bytes);
        case '/' -> current / bytes * bytes;
        case '%' -> Math.multiplyExact(Math.ceilDiv(current, bytes), bytes);
        default -> bytes;
      };
    }

    /** Whether the new size depends on the current one (so the file must be looked at first). */
    boolean relative() {
      return op != 0;
    }
  }

  /**
   * Parses a SIZE.
   *
   * @throws IllegalArgumentException with a message for the user
   */
  static Spec parse(String text) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "invalid size '" + text + "': use a number with an optional K, M, G, T, P or E suffix");
    }
    char op = m.group(1).isEmpty() ? 0 : m.group(1).charAt(0);
    try {
      long n = Long.parseLong(m.group(2));
      if (m.group(3) != null) {
        int power = UNITS.indexOf(m.group(3).toUpperCase(Locale.ROOT)) + 1;
        long unit = "B".equalsIgnoreCase(m.group(4)) ? 1000 : 1024;
        for (int i = 0; i < power; i++) {
          n = Math.multiplyExact(n, unit);
        }
      }
      if ((op == '/' || op == '%') && n == 0) {
        throw new IllegalArgumentException("invalid size '" + text + "': division by zero");
      }
      return new Spec(op, n);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("invalid size '" + text + "': too large");
    }
  }
}
