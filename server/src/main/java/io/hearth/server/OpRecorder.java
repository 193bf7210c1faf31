package io.hearth.server;

/**
 * Where a state machine reports each operation it runs, for metrics. Implementations must be cheap
 * and never block: they are called on Raft's apply and request threads.
 */
public interface OpRecorder {
  /** Records nothing: for state machines built without metrics (tests). */
  OpRecorder NONE =
      new OpRecorder() {
        @Override
        public long startNs() {
          return 0;
        }

        @Override
        public void record(Enum<?> op, boolean write, int errno, long startNs) {}

        @Override
        public void bytesRead(long n) {}

        @Override
        public void bytesWritten(long n) {}
      };

  /** A start mark, passed back to {@link #record} when the operation ends. */
  long startNs();

  /**
   * One operation has ended.
   *
   * @param op the operation (the request's op case)
   * @param write whether it was a write (applied from the log) rather than a read (a query)
   * @param errno 0 for success, else the errno it failed with
   * @param startNs what {@link #startNs} returned when it began
   */
  void record(Enum<?> op, boolean write, int errno, long startNs);

  /** Block bytes served to a reader. */
  void bytesRead(long n);

  /** Block bytes committed on this replica. */
  void bytesWritten(long n);
}
