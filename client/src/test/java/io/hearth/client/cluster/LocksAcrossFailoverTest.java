package io.hearth.client.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.ClusterSpec;
import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.posix.LockTable;
import io.hearth.protocol.posix.LockTable.Lock;
import io.hearth.protocol.posix.LockTable.Owner;
import io.hearth.protocol.posix.LockTable.Type;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The meta leader killed (SIGKILL) while locks are held and waited for: the new leader knows every
 * lock (none lost: the holder still keeps others out, and its sessions live on with a fresh TTL),
 * grants none twice (the waiter still waits, a third client is still refused), and the waiter is
 * woken by the holder's release after the failover.
 */
class LocksAcrossFailoverTest {
  private static final int TTL_MS = 5_000;

  private static HearthClient client(ProcessCluster c, boolean leases) throws HearthException {
    return HearthClient.connect(
        ClusterSpec.parse(c.peers()), new HearthClient.SessionOptions("", TTL_MS, leases));
  }

  private static Lock lock(Type t, long owner) {
    return new Lock(new Owner(0, owner), t, 0, LockTable.TO_EOF, (int) owner);
  }

  @Test
  void aKilledLeaderLosesNoLockAndGrantsNoneTwice() throws Exception {
    ProcessCluster.run("locks-failover", 3, Map.of(), this::run);
  }

  private void run(ProcessCluster c) throws Exception {
    c.waitForClusterMap();
    long posix;
    long leased;
    try (HearthClient setup = c.client()) {
      posix = create(setup, "/posix");
      leased = create(setup, "/leased");
    }
    try (HearthClient holder = client(c, true);
        HearthClient waiter = client(c, true);
        HearthClient third = client(c, true);
        ExecutorService pool = Executors.newFixedThreadPool(2)) {
      holder.locks().lock(posix, lock(Type.WRITE, 1), false, () -> false);
      holder.locks().lock(leased, lock(Type.WRITE, 2), false, () -> false); // under its lease
      holder.locks().flock(posix, new Owner(0, 3), Type.WRITE, 3, false, () -> false);
      Future<?> waits =
          pool.submit(
              () -> {
                waiter.locks().lock(posix, lock(Type.WRITE, 7), true, () -> false);
                return null;
              });
      Thread.sleep(500);
      assertFalse(waits.isDone(), "the waiter waits");

      String old = c.leaderId();
      c.kill9(old);
      String now = c.waitForLeader(Duration.ofSeconds(30), old);
      System.out.println("meta leader " + old + " killed; " + now + " leads");
      // past the TTL the sessions would have expired, had the new leader not granted fresh ones
      Thread.sleep(TTL_MS + 1_000);

      assertFalse(waits.isDone(), "no grant while the holder still holds");
      assertEquals(
          Errno.EAGAIN,
          assertThrows(
                  HearthException.class,
                  () -> third.locks().lock(posix, lock(Type.READ, 9), false, () -> false))
              .errno(),
          "the record lock survived the failover");
      assertEquals(
          Errno.EAGAIN,
          assertThrows(
                  HearthException.class,
                  () -> third.locks().lock(leased, lock(Type.READ, 9), false, () -> false))
              .errno(),
          "the lock taken under a lease survived (recalled from the holder)");
      assertEquals(
          Errno.EAGAIN,
          assertThrows(
                  HearthException.class,
                  () ->
                      third.locks().flock(posix, new Owner(0, 9), Type.READ, 9, false, () -> false))
              .errno(),
          "the flock lock survived");

      holder.locks().lock(posix, lock(Type.UNLOCK, 1), false, () -> false);
      waits.get(30, TimeUnit.SECONDS); // woken by the release, through the new leader
      assertTrue(
          holder.locks().test(posix, lock(Type.READ, 1)).isPresent(),
          "the waiter holds it now, seen from the old holder");
    }
  }

  private static long create(HearthClient h, String path) throws HearthException {
    try (HearthFile f = h.open(path, HearthFile.O_CREAT | HearthFile.O_WRONLY, 0666)) {
      return f.statAtOpen().ino();
    }
  }
}
