package io.hearth.server.metrics;

import io.hearth.protocol.Errno;
import io.hearth.server.OpRecorder;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The operations of one Raft group on this node: per operation and kind (read or write) a latency
 * histogram (whose count is the operation count) and errors by errno, plus the block bytes read and
 * written. Bounded: the series are keyed by enum constants and errnos, both finite sets.
 *
 * <p>Threads: recorded concurrently by Raft's apply and request threads without locks; read by
 * scrapes.
 */
final class OpStats implements OpRecorder {
  private final LongSupplier ticker;
  private final ConcurrentMap<Enum<?>, Series> reads = new ConcurrentHashMap<>();
  private final ConcurrentMap<Enum<?>, Series> writes = new ConcurrentHashMap<>();
  private final LongAdder bytesRead = new LongAdder();
  private final LongAdder bytesWritten = new LongAdder();

  /**
   * @param ticker monotonic nanoseconds (System::nanoTime in production)
   */
  OpStats(LongSupplier ticker) {
    this.ticker = ticker;
  }

  /** One operation and kind: its latencies and its errors by errno name. */
  record Series(String op, String kind, LatencyHistogram latency, Map<String, LongAdder> errors) {
    Series(String op, String kind) {
      this(op, kind, new LatencyHistogram(), new ConcurrentHashMap<>());
    }
  }

  @Override
  public long startNs() {
    return ticker.getAsLong();
  }

  @Override
  public void record(Enum<?> op, boolean write, int errno, long startNs) {
    Series s =
        (write ? writes : reads)
            .computeIfAbsent(
                op, o -> new Series(o.name().toLowerCase(Locale.ROOT), write ? "write" : "read"));
    s.latency.observeNs(ticker.getAsLong() - startNs);
    if (errno != 0) {
      s.errors.computeIfAbsent(Errno.of(errno).name(), e -> new LongAdder()).increment();
    }
  }

  @Override
  public void bytesRead(long n) {
    bytesRead.add(n);
  }

  @Override
  public void bytesWritten(long n) {
    bytesWritten.add(n);
  }

  long bytesRead() {
    return bytesRead.sum();
  }

  long bytesWritten() {
    return bytesWritten.sum();
  }

  /** Every series, ordered by kind and operation so that scrapes list them stably. */
  Iterable<Series> series() {
    Map<String, Series> sorted = new TreeMap<>();
    reads.values().forEach(s -> sorted.put(s.kind + "/" + s.op, s));
    writes.values().forEach(s -> sorted.put(s.kind + "/" + s.op, s));
    return sorted.values();
  }

  /**
   * Writes {@code prefix}_ops_total, _op_seconds and _op_errors_total for the groups given (group
   * label -> its stats), each family whole.
   */
  static void write(PromText w, String prefix, String what, Map<String, OpStats> groups) {
    w.family(prefix + "_ops_total", PromText.Type.COUNTER, what + " run on this node");
    groups.forEach(
        (g, stats) -> {
          for (Series s : stats.series()) {
            w.sample(
                prefix + "_ops_total", s.latency.count(), "group", g, "op", s.op, "kind", s.kind);
          }
        });
    w.family(
        prefix + "_op_seconds",
        PromText.Type.HISTOGRAM,
        "time to run one of the " + what + " on this node's state machine");
    groups.forEach(
        (g, stats) -> {
          for (Series s : stats.series()) {
            s.latency.write(w, prefix + "_op_seconds", "group", g, "op", s.op, "kind", s.kind);
          }
        });
    w.family(
        prefix + "_op_errors_total",
        PromText.Type.COUNTER,
        what + " that failed, by errno (counted in " + prefix + "_ops_total too)");
    groups.forEach(
        (g, stats) -> {
          for (Series s : stats.series()) {
            new TreeMap<>(s.errors)
                .forEach(
                    (errno, n) ->
                        w.sample(
                            prefix + "_op_errors_total",
                            n.sum(),
                            "group",
                            g,
                            "op",
                            s.op,
                            "kind",
                            s.kind,
                            "errno",
                            errno));
          }
        });
  }

  /** Writes hearth_data_read_bytes_total and hearth_data_written_bytes_total of data groups. */
  static void writeBytes(PromText w, Map<String, OpStats> groups) {
    w.family(
        "hearth_data_read_bytes_total",
        PromText.Type.COUNTER,
        "block bytes this replica served to readers (clients, and peers repairing a block)");
    groups.forEach((g, s) -> w.sample("hearth_data_read_bytes_total", s.bytesRead(), "group", g));
    w.family(
        "hearth_data_written_bytes_total",
        PromText.Type.COUNTER,
        "block bytes committed on this replica (streamed by a writer, then committed by the group)");
    groups.forEach(
        (g, s) -> w.sample("hearth_data_written_bytes_total", s.bytesWritten(), "group", g));
  }
}
