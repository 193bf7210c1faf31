package io.hearth.client.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of a Prometheus text endpoint, parsed strictly: a line that a Prometheus server would
 * reject, a sample before its family's TYPE, a family split in two, a repeated series or a
 * histogram whose buckets shrink or disagree with its count fails the parse.
 */
final class PromScrape {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern SAMPLE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? (\\S+)");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"(,|$)");

  /** One series: its name, labels and value. */
  record Sample(String name, Map<String, String> labels, double value) {}

  final Map<String, String> types = new LinkedHashMap<>();
  final List<Sample> samples = new ArrayList<>();

  static PromScrape parse(String text) {
    PromScrape s = new PromScrape();
    s.read(text);
    s.checkHistograms();
    return s;
  }

  private void read(String text) {
    Set<String> closed = new HashSet<>();
    Set<String> seen = new HashSet<>();
    String current = null;
    for (String line : text.split("\n", -1)) {
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
        String[] p = line.split(" ", 4);
        check(p.length >= 3 && NAME.matcher(p[2]).matches(), line);
        if (!p[2].equals(current)) {
          check(current == null || closed.add(current), "family " + current + " reopened");
          check(!closed.contains(p[2]), "family " + p[2] + " split");
          current = p[2];
        }
        if (p[1].equals("TYPE")) {
          check(p.length == 4 && Set.of("counter", "gauge", "histogram").contains(p[3]), line);
          check(types.put(p[2], p[3]) == null, "second TYPE of " + p[2]);
        }
        continue;
      }
      check(!line.startsWith("#"), "unknown comment " + line);
      Matcher m = SAMPLE.matcher(line);
      check(m.matches(), "bad sample line: " + line);
      String name = m.group(1);
      String family = familyOf(name);
      check(family.equals(current), "sample " + name + " outside its family (" + current + ")");
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        int end = 0;
        while (l.find() && l.start() == end) {
          check(labels.put(l.group(1), l.group(2)) == null, "repeated label in " + line);
          end = l.end();
        }
        check(end == m.group(2).length(), "bad labels: " + line);
      }
      check(seen.add(name + labels), "repeated series " + name + labels);
      samples.add(new Sample(name, labels, value(m.group(3), line)));
    }
  }

  private String familyOf(String name) {
    for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
      String base = name.substring(0, Math.max(0, name.length() - suffix.length()));
      if (name.endsWith(suffix) && "histogram".equals(types.get(base))) {
        return base;
      }
    }
    check(types.containsKey(name), "sample " + name + " without a TYPE");
    return name;
  }

  private static double value(String v, String line) {
    return switch (v) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> {
        try {
          yield Double.parseDouble(v);
        } catch (NumberFormatException e) {
          throw new AssertionError("bad value in " + line);
        }
      }
    };
  }

  /** Buckets cumulative and ending in +Inf equal to the count, per series. */
  private void checkHistograms() {
    Map<String, List<Sample>> buckets = new HashMap<>();
    for (Sample s : samples) {
      if (s.name.endsWith("_bucket")) {
        Map<String, String> rest = new LinkedHashMap<>(s.labels);
        check(rest.remove("le") != null, "bucket without le: " + s);
        buckets.computeIfAbsent(s.name + rest, k -> new ArrayList<>()).add(s);
      }
    }
    buckets.forEach(
        (series, list) -> {
          double last = -1;
          for (Sample b : list) {
            check(b.value >= last, "buckets of " + series + " shrink");
            last = b.value;
          }
          Sample inf = list.get(list.size() - 1);
          check("+Inf".equals(inf.labels.get("le")), "last bucket of " + series + " is not +Inf");
          Map<String, String> rest = new LinkedHashMap<>(inf.labels);
          rest.remove("le");
          String base = inf.name.substring(0, inf.name.length() - "_bucket".length());
          check(sum(base + "_count", rest) == inf.value, "count of " + series + " is not +Inf");
        });
  }

  /** The sum of the series named {@code name} whose labels include all of {@code labels}. */
  double sum(String name, Map<String, String> labels) {
    double total = 0;
    for (Sample s : samples) {
      if (s.name.equals(name) && s.labels.entrySet().containsAll(labels.entrySet())) {
        total += s.value;
      }
    }
    return total;
  }

  /** The sum of the series named {@code name} with labels given as name, value pairs. */
  double sum(String name, String... labels) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      m.put(labels[i], labels[i + 1]);
    }
    return sum(name, m);
  }

  /** Whether any series of {@code name} exists. */
  boolean has(String name) {
    return samples.stream().anyMatch(s -> s.name.equals(name));
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError("not valid Prometheus text: " + what);
    }
  }
}
