package io.hearth.server.loop;

import io.hearth.rpc.MonoClock;

/**
 * The server's monotonic clock: {@link System#nanoTime}, and each delayed task on a virtual thread
 * of its own that sleeps out the delay. Unlike {@link MonoClock#SYSTEM}, a task never waits for a
 * worker of the common ForkJoinPool, where Ratis's client completes its replies and, on a failed
 * server, closes the channel synchronously for seconds: on a small machine that pool has one
 * worker, and the control loops would stall behind it.
 */
public final class VirtualThreadClock implements MonoClock {
  public static final VirtualThreadClock INSTANCE = new VirtualThreadClock();

  private VirtualThreadClock() {}

  @Override
  public long nanos() {
    return System.nanoTime();
  }

  @Override
  public void after(long delayMs, Runnable task) {
    Thread.ofVirtual()
        .name("after-" + delayMs + "ms")
        .start(
            () -> {
              try {
                Thread.sleep(Math.max(0, delayMs));
              } catch (InterruptedException e) {
                return; // no one holds these threads to interrupt them; if one is, its task is
                // dropped
              }
              task.run();
            });
  }
}
