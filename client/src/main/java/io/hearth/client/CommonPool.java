package io.hearth.client;

/**
 * Sizes the JVM's common ForkJoinPool before anything uses it.
 *
 * <p>Ratis's client completes replies on the common pool and, after a failed request, closes its
 * gRPC channel to that server there, synchronously: up to 3 s of graceful shutdown and 2 s more.
 * The pool has one worker per core less one, so on a 2-core node a single worker: every reply of
 * every call waited behind that close, and a mount stalled 12 s after a leader was killed (read in
 * a debug log of MountFailoverTest). With more workers a blocked one holds up nothing else.
 */
public final class CommonPool {
  static final String PARALLELISM_PROPERTY = "java.util.concurrent.ForkJoinPool.common.parallelism";

  /** Workers of the common pool unless the JVM was started with the property set. */
  public static final int PARALLELISM_MIN = 16;

  private CommonPool() {}

  /** Call first thing in main: the property is read once, when the pool is first used. */
  public static void widen() {
    if (System.getProperty(PARALLELISM_PROPERTY) == null) {
      int cores = Runtime.getRuntime().availableProcessors();
      System.setProperty(PARALLELISM_PROPERTY, String.valueOf(Math.max(PARALLELISM_MIN, cores)));
    }
  }
}
