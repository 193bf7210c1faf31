package io.hearth.jmh;

import io.hearth.client.HearthClient;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Fills a namespace with N directories (N inodes) as fast as the meta group takes them: mkdirs
 * pipelined from one client (the client batches concurrent calls into shared log entries), under
 * /fill, 1,000 per parent. For benchmarks that need a big namespace (a new node's catch-up).
 *
 * <p>{@code FillNamespace CLUSTER N [IN_FLIGHT]}; prints progress every 5 s and the rate at the
 * end.
 */
public final class FillNamespace {
  private static final int FANOUT = 1_000;
  private static final long REPORT_MS = 5_000;

  private FillNamespace() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: FillNamespace CLUSTER N [IN_FLIGHT]");
      System.exit(2);
    }
    long n = Long.parseLong(args[1]);
    int inFlight = args.length > 2 ? Integer.parseInt(args[2]) : 256;
    Semaphore slots = new Semaphore(inFlight);
    AtomicLong done = new AtomicLong();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    long start = System.nanoTime();
    long lastReport = System.currentTimeMillis();
    try (HearthClient h = HearthClient.connect(args[0])) {
      h.mkdir("/fill", 0755);
      for (long parent = 0; parent * FANOUT < n && failed.get() == null; parent++) {
        String dir = "/fill/p" + parent;
        h.mkdir(dir, 0755);
        done.incrementAndGet();
        for (int i = 1; i < FANOUT && parent * FANOUT + i < n; i++) {
          slots.acquire();
          CompletableFuture<?> f = h.mkdirAsync(dir + "/d" + i, 0755);
          f.whenComplete(
              (r, t) -> {
                if (t != null) {
                  failed.compareAndSet(null, t);
                }
                done.incrementAndGet();
                slots.release();
              });
        }
        if (System.currentTimeMillis() - lastReport >= REPORT_MS) {
          lastReport = System.currentTimeMillis();
          System.out.printf(Locale.ROOT, "fill: %,d of %,d inodes%n", done.get(), n);
        }
      }
      slots.acquire(inFlight);
    }
    if (failed.get() != null) {
      System.err.println("fill: failed: " + failed.get());
      System.exit(1);
    }
    double s = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        Locale.ROOT, "fill: %,d inodes in %.1f s (%.0f mkdir/s)%n", done.get(), s, done.get() / s);
  }
}
