package io.hearth.fuse;

import io.hearth.client.FileLocks;
import io.hearth.client.HearthClient;
import io.hearth.fuse.kernel.FuseAbi;
import io.hearth.fuse.kernel.Session;
import io.hearth.fuse.kernel.SessionOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One live mount and its end. States: mounted, then stopped (once). It stops on {@link #stop}
 * (SIGTERM runs it from a shutdown hook) or when the kernel ends the connection (umount,
 * fusermount3 -u): the session's request threads see the device close, and a watcher stops the
 * rest; either way the kernel mount is gone afterwards, so no "Transport endpoint is not connected"
 * is left behind.
 */
final class Mounted {
  private static final Logger LOG = LoggerFactory.getLogger(Mounted.class);

  /**
   * How long a stop waits for the kernel to end the connection before aborting it: open files keep
   * a lazily unmounted connection alive for as long as they stay open (a process that never
   * closes), and what they wrote is flushed by the stop either way.
   */
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(3);

  private final Path mountpoint;
  private final HearthClient client;
  private final Session session;
  private final HearthInodeFs fs;
  private final KernelCaches caches;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private boolean stopping;

  private Mounted(
      Path mountpoint,
      HearthClient client,
      Session session,
      HearthInodeFs fs,
      KernelCaches caches) {
    this.mountpoint = mountpoint;
    this.client = client;
    this.session = session;
    this.fs = fs;
    this.caches = caches;
  }

  /** Mounts and returns once the kernel serves the mount. */
  static Mounted start(HearthClient client, Path mountpoint, MountOptions options)
      throws IOException {
    KernelCaches caches = new KernelCaches();
    HearthInodeFs fs =
        new HearthInodeFs(
            client,
            new Callers(Path.of("/proc"), System::nanoTime),
            options,
            options.clusterLocks() ? client.locks() : FileLocks.local(),
            caches,
            new RequestCounts());
    SessionOptions so =
        new SessionOptions(
            options.threads(),
            false,
            options.maxWriteBytes(),
            options.readaheadKb() * 1024,
            options.writebackCache() ? FuseAbi.WRITEBACK_CACHE : 0,
            "hearth",
            "hearth",
            options.fuseOptions(),
            STOP_TIMEOUT);
    if (options.clusterLocks()) {
      LOG.info("session {}: this mount's locks and open files", client.sessionId());
    }
    Session session = Session.mount(fs, mountpoint, so);
    caches.start(session.notifier());
    fs.notifyThrough(session.notifier());
    client.invalidateThrough(caches);
    Mounted m = new Mounted(mountpoint, client, session, fs, caches);
    m.setReadahead(options.readaheadKb());
    Thread.ofPlatform().daemon().name("hearth-mount-watch").start(m::watch);
    return m;
  }

  /**
   * The kernel reads ahead what the mount's backing device allows (128 KiB by default), whatever
   * the file system asked for in init: raise it to what was asked (root only).
   */
  private void setReadahead(int kb) {
    try {
      long dev = (Long) Files.getAttribute(mountpoint, "unix:dev");
      long major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffL);
      long minor = (dev & 0xff) | ((dev >> 12) & ~0xffL);
      Path ra = Path.of("/sys/class/bdi/" + major + ":" + minor + "/read_ahead_kb");
      Files.writeString(ra, Integer.toString(kb));
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not set readahead to {} KiB ({}); reads ahead 128 KiB", kb, e.toString());
    }
  }

  /** The kernel ended the connection (unmounted from outside): stop the rest. */
  private void watch() {
    try {
      while (!session.awaitStopped(Duration.ofSeconds(1))) {
        if (stopped.getCount() == 0) {
          return;
        }
      }
    } catch (InterruptedException e) {
      return;
    }
    if (!isStopping()) {
      LOG.info("{} was unmounted; stopping", mountpoint);
      stop();
    }
  }

  private synchronized boolean isStopping() {
    return stopping;
  }

  /** Unmounts (if still mounted), flushes open files and closes the client. Idempotent. */
  void stop() {
    synchronized (this) {
      if (stopping) {
        return;
      }
      stopping = true;
    }
    try {
      session.close(); // unmounts, ends the request threads, then destroy (flushes open files)
    } catch (RuntimeException e) {
      LOG.warn("unmounting {}: {}", mountpoint, e.toString());
    }
    if (fs.openFiles() > 0) {
      fs.destroy();
    }
    caches.close();
    try {
      client.close();
    } catch (Exception e) {
      LOG.warn("closing the client: {}", e.toString());
    }
    stopped.countDown();
  }

  void awaitStopped() throws InterruptedException {
    stopped.await();
  }
}
