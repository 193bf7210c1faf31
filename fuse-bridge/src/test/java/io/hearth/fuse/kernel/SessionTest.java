package io.hearth.fuse.kernel;

import static io.hearth.fuse.kernel.Frames.args;
import static io.hearth.fuse.kernel.Frames.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.fuse.kernel.Frames.QueueChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The request loop over channels that stand for /dev/fuse descriptors: requests are served on
 * several threads, each reply goes back on the channel its request came from, FUSE_INTERRUPT
 * reaches a request while it waits, and the end of the connection (ENODEV) stops every thread and
 * destroys the file system once.
 */
class SessionTest {
  static final class Waiting extends DispatcherTest.Recording {
    final AtomicInteger destroys = new AtomicInteger();
    final CountDownLatch waiting = new CountDownLatch(1);

    @Override
    public void destroy() {
      destroys.incrementAndGet();
    }

    /** F_SETLKW that waits until interrupted, as a lock held elsewhere would make it. */
    @Override
    public void setlk(
        Caller c, long nodeId, long fh, long owner, FileLock lock, boolean sleep, boolean flock)
        throws FuseError {
      waiting.countDown();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!c.interrupted()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("never interrupted");
        }
        Thread.onSpinWait();
      }
      throw new FuseError(Errnos.EINTR);
    }
  }

  private static byte[] init() {
    return request(
        FuseAbi.INIT,
        1,
        0,
        args().u32(7).u32(44).u32(131072).u32((int) FuseAbi.MAX_PAGES).u32(0).zeros(44));
  }

  @Test
  void servesOnEveryThreadAndEndsOnEnodev() throws Exception {
    Waiting fs = new Waiting();
    List<QueueChannel> chans = List.of(new QueueChannel(), new QueueChannel());
    Session s =
        Session.serve(
            fs, SessionOptions.defaults("t").withThreads(2), chans::get, new QueueChannel());
    chans.get(0).feed(init());
    assertEquals(0, chans.get(0).next().error());
    assertTrue(s.awaitInit(Duration.ofSeconds(5)));
    assertEquals(38, s.connection().minor());
    Set<Long> uniques = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      QueueChannel ch = chans.get(i % 2);
      ch.feed(request(FuseAbi.LOOKUP, 100 + i, 1, args().name("n" + i)));
    }
    for (int i = 0; i < 50; i++) {
      Frames.Written w = chans.get(i % 2).next();
      assertEquals(0, w.error());
      uniques.add(w.unique());
    }
    assertEquals(50, uniques.size());
    chans.forEach(QueueChannel::end);
    assertTrue(s.awaitStopped(Duration.ofSeconds(5)));
    assertEquals(1, fs.destroys.get());
    assertTrue(chans.get(0).closed && chans.get(1).closed);
    s.close(); // idempotent after the end
  }

  @Test
  void anInterruptReachesTheWaitingRequest() throws Exception {
    Waiting fs = new Waiting();
    List<QueueChannel> chans = new ArrayList<>(List.of(new QueueChannel(), new QueueChannel()));
    Session s =
        Session.serve(
            fs, SessionOptions.defaults("t").withThreads(2), chans::get, new QueueChannel());
    chans.get(0).feed(init());
    chans.get(0).next();
    Frames.Args lk = args().u64(1).u64(2).u64(0).u64(Long.MAX_VALUE).u32(1).u32(9).u32(0).u32(0);
    chans.get(0).feed(request(FuseAbi.SETLKW, 200, 5, lk));
    assertTrue(fs.waiting.await(5, TimeUnit.SECONDS));
    chans.get(1).feed(request(FuseAbi.INTERRUPT, 201, 0, args().u64(200)));
    Frames.Written w = chans.get(0).next();
    assertEquals(200, w.unique());
    assertEquals(-Errnos.EINTR, w.error());
    assertEquals(null, chans.get(1).poll(100)); // the interrupt itself gets no reply
    chans.forEach(QueueChannel::end);
    assertTrue(s.awaitStopped(Duration.ofSeconds(5)));
  }
}
