package io.hearth.server.metrics;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * Durations in fixed buckets from 10 us to 5 s, written as a Prometheus histogram in seconds.
 *
 * <p>Threads: any number of threads observe concurrently without locks (one LongAdder per bucket);
 * a scrape reads while they do, so a duration being recorded may show in its bucket before the sum.
 * The count is the buckets' total as read, so it always equals the +Inf bucket.
 */
final class LatencyHistogram {
  /** Upper bounds; Prometheus buckets are inclusive ({@code le}). */
  private static final long[] BOUNDS_NS = {
    10_000L,
    25_000L,
    50_000L,
    100_000L,
    250_000L,
    500_000L,
    1_000_000L,
    2_500_000L,
    5_000_000L,
    10_000_000L,
    25_000_000L,
    50_000_000L,
    100_000_000L,
    250_000_000L,
    500_000_000L,
    1_000_000_000L,
    2_500_000_000L,
    5_000_000_000L
  };

  private static final String[] LE = le();

  private final LongAdder[] buckets = new LongAdder[BOUNDS_NS.length + 1];
  private final LongAdder sumNs = new LongAdder();

  LatencyHistogram() {
    for (int i = 0; i < buckets.length; i++) {
      buckets[i] = new LongAdder();
    }
  }

  private static String[] le() {
    String[] le = new String[BOUNDS_NS.length + 1];
    for (int i = 0; i < BOUNDS_NS.length; i++) {
      le[i] = BigDecimal.valueOf(BOUNDS_NS[i], 9).stripTrailingZeros().toPlainString();
    }
    le[BOUNDS_NS.length] = "+Inf";
    return le;
  }

  /** Records one duration; a negative one (a clock that stepped back) counts as zero. */
  void observeNs(long ns) {
    long d = Math.max(0, ns);
    int i = Arrays.binarySearch(BOUNDS_NS, d);
    buckets[i >= 0 ? i : -i - 1].increment();
    sumNs.add(d);
  }

  long count() {
    long n = 0;
    for (LongAdder b : buckets) {
      n += b.sum();
    }
    return n;
  }

  /** Writes {@code name}_bucket, _sum and _count with {@code labels} (name, value pairs). */
  void write(PromText w, String name, String... labels) {
    String[] withLe = Arrays.copyOf(labels, labels.length + 2);
    withLe[labels.length] = "le";
    long cumulative = 0;
    for (int i = 0; i < buckets.length; i++) {
      cumulative += buckets[i].sum();
      withLe[labels.length + 1] = LE[i];
      w.sample(name + "_bucket", cumulative, withLe);
    }
    w.sample(name + "_sum", sumNs.sum() / 1e9, labels);
    w.sample(name + "_count", cumulative, labels);
  }
}
