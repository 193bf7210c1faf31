package io.hearth.server.metrics;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Builds one scrape in the Prometheus text exposition format (version 0.0.4).
 *
 * <p>Guarantees what the format requires and a scraper checks: each family's HELP and TYPE come
 * once, before its samples; all samples of a family are contiguous (a sample must name the family
 * begun last); names and label names are valid; label values and help text are escaped. Misuse is a
 * programming error and throws. Not thread-safe: one instance per scrape.
 */
final class PromText {
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  enum Type {
    COUNTER,
    GAUGE,
    HISTOGRAM
  }

  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

  private final StringBuilder out = new StringBuilder(32 * 1024);
  private final Set<String> families = new HashSet<>();
  private String family;
  private Type type;

  /** Begins a family; its samples follow, before the next family begins. */
  PromText family(String name, Type type, String help) {
    if (!NAME.matcher(name).matches() || !families.add(name)) {
      throw new IllegalArgumentException("bad or repeated metric family " + name);
    }
    family = name;
    this.type = type;
    out.append("# HELP ").append(name).append(' ');
    for (int i = 0; i < help.length(); i++) {
      char c = help.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        default -> out.append(c);
      }
    }
    out.append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type.name().toLowerCase(Locale.ROOT));
    out.append('\n');
    return this;
  }

  /**
   * A gauge family with one unlabelled sample; a negative value means unknown and writes the family
   * without it.
   */
  PromText gauge(String name, String help, long value) {
    family(name, Type.GAUGE, help);
    return value < 0 ? this : sample(name, value);
  }

  /** A sample with an integer value; {@code labels} alternate names and values. */
  PromText sample(String name, long value, String... labels) {
    begin(name, labels).append(value).append('\n');
    return this;
  }

  /** A sample with a real value (NaN and infinities allowed). */
  PromText sample(String name, double value, String... labels) {
    StringBuilder b = begin(name, labels);
    if (Double.isNaN(value)) {
      b.append("NaN");
    } else if (Double.isInfinite(value)) {
      b.append(value > 0 ? "+Inf" : "-Inf");
    } else {
      b.append(value);
    }
    b.append('\n');
    return this;
  }

  private StringBuilder begin(String name, String[] labels) {
    boolean ofFamily =
        name.equals(family)
            || type == Type.HISTOGRAM
                && (name.equals(family + "_bucket")
                    || name.equals(family + "_sum")
                    || name.equals(family + "_count"));
    if (family == null || !ofFamily) {
      throw new IllegalArgumentException("sample " + name + " outside its family " + family);
    }
    if (labels.length % 2 != 0) {
      throw new IllegalArgumentException("labels of " + name + " are not name, value pairs");
    }
    for (int i = 0; i < labels.length; i += 2) {
      if (!LABEL.matcher(labels[i]).matches()) {
        throw new IllegalArgumentException("bad label name " + labels[i]);
      }
    }
    out.append(name);
    for (int i = 0; i < labels.length; i += 2) {
      out.append(i == 0 ? '{' : ',').append(labels[i]).append("=\"");
      escapeValue(labels[i + 1]);
      out.append('"');
    }
    if (labels.length > 0) {
      out.append('}');
    }
    return out.append(' ');
  }

  private void escapeValue(String v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '"' -> out.append("\\\"");
        case '\n' -> out.append("\\n");
        default -> out.append(c);
      }
    }
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
