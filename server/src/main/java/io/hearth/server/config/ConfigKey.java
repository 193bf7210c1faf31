package io.hearth.server.config;

import java.util.function.Function;

/**
 * One typed configuration key: its name, its type (via a parser), its default (null = required),
 * its unit and what it means. A value that does not parse fails the start, never gets clamped.
 */
public record ConfigKey<T>(
    String name, Function<String, T> parser, String defaultValue, String unit, String description) {

  public T parse(String raw) {
    try {
      return parser.apply(raw.trim());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "config key " + name + ": cannot use '" + raw + "' (" + e.getMessage() + ")");
    }
  }

  public boolean required() {
    return defaultValue == null;
  }
}
