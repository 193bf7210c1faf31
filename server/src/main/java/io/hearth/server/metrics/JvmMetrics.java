package io.hearth.server.metrics;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.List;

/** A few JVM families (heap, threads, GC, uptime): enough to see memory pressure and GC stalls. */
final class JvmMetrics {
  private JvmMetrics() {}

  static void write(PromText w) {
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    w.gauge("hearth_jvm_heap_used_bytes", "JVM heap in use", heap.getUsed());
    w.gauge("hearth_jvm_heap_max_bytes", "JVM heap limit (-Xmx)", heap.getMax());
    w.gauge(
        "hearth_jvm_threads",
        "live JVM threads",
        ManagementFactory.getThreadMXBean().getThreadCount());
    List<GarbageCollectorMXBean> gcs = ManagementFactory.getGarbageCollectorMXBeans();
    w.family("hearth_jvm_gc_collections_total", PromText.Type.COUNTER, "GC runs, by collector");
    for (GarbageCollectorMXBean gc : gcs) {
      w.sample(
          "hearth_jvm_gc_collections_total",
          Math.max(0, gc.getCollectionCount()),
          "gc",
          gc.getName());
    }
    w.family(
        "hearth_jvm_gc_seconds_total", PromText.Type.COUNTER, "time spent in GC, by collector");
    for (GarbageCollectorMXBean gc : gcs) {
      w.sample(
          "hearth_jvm_gc_seconds_total",
          Math.max(0, gc.getCollectionTime()) / 1e3,
          "gc",
          gc.getName());
    }
    w.family("hearth_jvm_uptime_seconds", PromText.Type.GAUGE, "time since the JVM started");
    w.sample("hearth_jvm_uptime_seconds", ManagementFactory.getRuntimeMXBean().getUptime() / 1e3);
  }
}
