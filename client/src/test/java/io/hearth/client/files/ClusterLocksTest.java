package io.hearth.client.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.Credentials;
import io.hearth.client.FileLocks;
import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import io.hearth.client.InProcessCluster;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.SessionExpireReq;
import io.hearth.protocol.posix.LockTable;
import io.hearth.protocol.posix.LockTable.Lock;
import io.hearth.protocol.posix.LockTable.Owner;
import io.hearth.protocol.posix.LockTable.Type;
import io.hearth.rpc.Futures;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Locks between two clients (two nodes) of real servers: what one holds keeps the other out, with
 * and without leases; a wait is woken by the release, by the holder's end, or interrupted; a
 * deadlock across clients is refused; an evicted holder's locks go to the waiter and its writes to
 * the file fail instead of landing over the new holder's.
 */
class ClusterLocksTest {
  private static final int TTL_MS = 3_000;
  private static InProcessCluster cluster;
  private static HearthClient root;

  @BeforeAll
  static void start() throws Exception {
    cluster = new InProcessCluster(3);
    root = HearthClient.connect(cluster.spec());
    root.mkdir("/l", 0777);
  }

  @AfterAll
  static void stop() throws Exception {
    root.close();
    cluster.close();
  }

  private static HearthClient client(boolean leases) throws HearthException {
    return HearthClient.connect(
        io.hearth.client.ClusterSpec.parse(cluster.spec()),
        new HearthClient.SessionOptions("", TTL_MS, leases));
  }

  private static long file(String name) throws HearthException {
    try (HearthFile f = root.open("/l/" + name, HearthFile.O_CREAT | HearthFile.O_WRONLY, 0666)) {
      return f.statAtOpen().ino();
    }
  }

  private static Lock write(long owner, long start, long end, int pid) {
    return new Lock(new Owner(0, owner), Type.WRITE, start, end, pid);
  }

  private static Lock unlock(long owner, long start, long end) {
    return new Lock(new Owner(0, owner), Type.UNLOCK, start, end, 0);
  }

  private static Errno errnoOf(ThrowingRunnable r) {
    return assertThrows(HearthException.class, r::run).errno();
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @ParameterizedTest(name = "leases {0}")
  @ValueSource(booleans = {true, false})
  void aLockTakenOnOneClientKeepsTheOtherOutUntilReleased(boolean leases) throws Exception {
    long ino = file("excl-" + leases);
    try (HearthClient a = client(leases);
        HearthClient b = client(leases)) {
      FileLocks la = a.locks();
      FileLocks lb = b.locks();
      la.lock(ino, write(1, 0, 100, 4242), false, () -> false);
      la.lock(ino, write(1, 0, 100, 4242), false, () -> false); // again: still one lock

      Optional<Lock> seen = lb.test(ino, write(7, 50, 60, 1));
      assertTrue(seen.isPresent(), "F_GETLK on the other client sees the holder");
      assertEquals(0, seen.get().pid(), "a pid of another node is reported as 0");
      assertEquals(0, seen.get().start());
      assertEquals(100, seen.get().end());
      assertEquals(
          Errno.EAGAIN, errnoOf(() -> lb.lock(ino, write(7, 50, 60, 1), false, () -> false)));
      assertTrue(lb.test(ino, write(7, 100, 200, 1)).isEmpty(), "outside the range: free");
      lb.lock(ino, write(7, 100, 200, 1), false, () -> false);

      assertEquals(
          4242, la.test(ino, write(2, 0, 1, 1)).orElseThrow().pid(), "its own node: the pid");
      la.lock(ino, unlock(1, 0, 100), false, () -> false);
      lb.lock(ino, write(7, 50, 60, 1), false, () -> false);
      assertEquals(
          Errno.EAGAIN, errnoOf(() -> la.lock(ino, write(1, 55, 56, 4242), false, () -> false)));
    }
  }

  @Test
  void aWaitIsWokenByTheRelease() throws Exception {
    long ino = file("wait");
    try (HearthClient a = client(true);
        HearthClient b = client(true)) {
      a.locks().lock(ino, write(1, 0, LockTable.TO_EOF, 1), false, () -> false);
      AtomicBoolean released = new AtomicBoolean();
      CompletableFuture<Boolean> waited =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  b.locks().lock(ino, write(2, 0, 10, 2), true, () -> false);
                  return released.get();
                } catch (HearthException e) {
                  throw new RuntimeException(e);
                }
              });
      Thread.sleep(500);
      assertFalse(waited.isDone(), "the waiter waits while the lock is held");
      released.set(true);
      a.locks().lock(ino, unlock(1, 0, LockTable.TO_EOF), false, () -> false);
      assertTrue(waited.get(10, TimeUnit.SECONDS), "granted only after the release");
      assertEquals(
          Errno.EAGAIN, errnoOf(() -> a.locks().lock(ino, write(1, 5, 6, 1), false, () -> false)));
    }
  }

  @Test
  void anInterruptedWaitFailsWithEintrAndLeavesNothingBehind() throws Exception {
    long ino = file("eintr");
    try (HearthClient a = client(true);
        HearthClient b = client(true)) {
      a.locks().lock(ino, write(1, 0, 10, 1), false, () -> false);
      long interruptAtNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
      assertEquals(
          Errno.EINTR,
          errnoOf(
              () ->
                  b.locks()
                      .lock(
                          ino, write(2, 0, 10, 2), true, () -> System.nanoTime() > interruptAtNs)));
      a.locks().lock(ino, unlock(1, 0, 10), false, () -> false);
      assertTrue(
          a.locks().test(ino, write(3, 0, 10, 3)).isEmpty(), "the cancelled wait holds nothing");
    }
  }

  @Test
  void aDeadlockAcrossClientsIsRefused() throws Exception {
    long ino = file("deadlock");
    try (HearthClient a = client(false);
        HearthClient b = client(false)) {
      a.locks().lock(ino, write(1, 0, 1, 1), false, () -> false);
      b.locks().lock(ino, write(2, 1, 2, 2), false, () -> false);
      CompletableFuture<Void> aWaits =
          CompletableFuture.runAsync(
              () -> {
                try {
                  a.locks().lock(ino, write(1, 1, 2, 1), true, () -> false);
                } catch (HearthException e) {
                  throw new RuntimeException(e);
                }
              });
      Thread.sleep(300);
      assertEquals(
          Errno.EDEADLK,
          errnoOf(() -> b.locks().lock(ino, write(2, 0, 1, 2), true, () -> false)),
          "closing the cycle is refused");
      b.locks().lock(ino, unlock(2, 1, 2), false, () -> false);
      aWaits.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void flockIsExclusiveAcrossClientsAndGoesWithTheClient() throws Exception {
    long ino = file("flock");
    try (HearthClient b = client(true)) {
      HearthClient a = client(true);
      a.locks().flock(ino, new Owner(0, 11), Type.WRITE, 1, false, () -> false);
      assertEquals(
          Errno.EAGAIN,
          errnoOf(() -> b.locks().flock(ino, new Owner(0, 12), Type.READ, 2, false, () -> false)));
      CompletableFuture<Void> waits =
          CompletableFuture.runAsync(
              () -> {
                try {
                  b.locks().flock(ino, new Owner(0, 12), Type.WRITE, 2, true, () -> false);
                } catch (HearthException e) {
                  throw new RuntimeException(e);
                }
              });
      Thread.sleep(300);
      assertFalse(waits.isDone());
      a.close(); // its session ends, and its locks with it
      waits.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void anEvictedHolderLosesItsLocksAndItsWritesFail() throws Exception {
    long ino = file("evicted");
    try (HearthClient a = client(true);
        HearthClient b = client(true)) {
      HearthFile f = a.open("/l/evicted", HearthFile.O_WRONLY);
      a.locks().lock(ino, write(1, 0, LockTable.TO_EOF, 1), false, () -> false);
      f.write(ByteBuffer.wrap("mine".getBytes()));
      f.fsync();
      long s = a.sessionId();
      Futures.join(
          root.meta()
              .write(
                  MetaRequest.newBuilder()
                      .setCaller(Credentials.ROOT.toCaller())
                      .setSessionExpire(
                          SessionExpireReq.newBuilder().addSessions(s).setReason("test"))
                      .build()));
      b.locks().lock(ino, write(2, 0, LockTable.TO_EOF, 2), true, () -> false);
      try (HearthFile g = b.open("/l/evicted", HearthFile.O_WRONLY)) {
        g.pwrite(ByteBuffer.wrap("THEIRS".getBytes()), 0);
        g.fsync();
      }
      Errno e =
          errnoOf(
              () -> {
                f.pwrite(ByteBuffer.wrap("late".getBytes()), 0);
                f.fsync();
              });
      assertEquals(Errno.EIO, e, "the stale holder's write is refused");
      assertEquals(
          Errno.EIO,
          errnoOf(() -> a.locks().lock(ino, write(1, 0, 1, 1), false, () -> false)),
          "and its lock calls on the file, until it closes it");
      f.close(); // the refused write kept nothing: the close has nothing more to report
      byte[] got = new byte[6];
      try (HearthFile r = root.open("/l/evicted", HearthFile.O_RDONLY)) {
        r.pread(ByteBuffer.wrap(got), 0);
      }
      assertEquals("THEIRS", new String(got), "the new holder's write stands");
      assertEquals(
          Errno.EAGAIN,
          errnoOf(() -> a.locks().lock(ino, write(1, 0, 1, 1), false, () -> false)),
          "closed: the file's locks are usable again, and the new holder's is seen");
    }
  }
}
