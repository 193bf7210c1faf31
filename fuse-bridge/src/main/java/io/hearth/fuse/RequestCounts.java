package io.hearth.fuse;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many requests of each kind the kernel sent this mount: the cost of a workload in kernel round
 * trips (a `tar x` entry, a `git status`), read with {@code getfattr -n hearth.requests MOUNT} and
 * logged at unmount. Thread-safe.
 */
final class RequestCounts {
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

  void count(String op) {
    counts.computeIfAbsent(op, k -> new LongAdder()).increment();
  }

  long get(String op) {
    LongAdder a = counts.get(op);
    return a == null ? 0 : a.sum();
  }

  /** "op=count op=count ..." in name order, and the total. */
  @Override
  public String toString() {
    Map<String, Long> sorted = new TreeMap<>();
    long total = 0;
    for (var e : counts.entrySet()) {
      long n = e.getValue().sum();
      sorted.put(e.getKey(), n);
      total += n;
    }
    StringBuilder b = new StringBuilder();
    sorted.forEach((k, v) -> b.append(k).append('=').append(v).append(' '));
    return b.append("total=").append(total).toString();
  }
}
