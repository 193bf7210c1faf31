package io.hearth.fuse;

import io.hearth.client.HearthClient;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import org.cryptomator.jfuse.api.Fuse;
import org.cryptomator.jfuse.api.FuseBuilder;
import org.cryptomator.jfuse.api.FuseMountFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One live mount and its end. States: mounted, then stopped (once). It stops on {@link #stop}
 * (SIGTERM runs it from a shutdown hook) or when the mount disappears from under it (umount,
 * fusermount3 -u), which a watchdog notices within {@link #WATCH_INTERVAL_MS}; either way the
 * kernel mount is gone afterwards, so no "Transport endpoint is not connected" is left behind.
 */
final class Mounted {
  private static final Logger LOG = LoggerFactory.getLogger(Mounted.class);
  static final long WATCH_INTERVAL_MS = 500;

  private final Path mountpoint;
  private final HearthClient client;
  private final Fuse fuse;
  private final HearthFs fs;
  private final Arena upcalls;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private boolean stopping;

  private Mounted(Path mountpoint, HearthClient client, Fuse fuse, HearthFs fs, Arena upcalls) {
    this.mountpoint = mountpoint;
    this.client = client;
    this.fuse = fuse;
    this.fs = fs;
    this.upcalls = upcalls;
  }

  /** Mounts and returns once the kernel serves the mount. */
  static Mounted start(HearthClient client, Path mountpoint, MountOptions options)
      throws FuseMountFailedException {
    FuseNative nat = new FuseNative(FuseNative.findLibrary());
    FuseBuilder builder = Fuse.builder();
    builder.setLibraryPath(nat.libraryPath());
    HearthFs fs =
        new HearthFs(client, nat, new Callers(nat, System::nanoTime), options, builder.errno());
    Fuse fuse = builder.build(fs);
    Arena upcalls = Arena.ofShared();
    ExtraOperations.install(fuse, fs, upcalls);
    List<String> flags = new ArrayList<>();
    flags.add("-o");
    flags.add(String.join(",", fuseOptions(options)));
    fuse.mount("hearth", mountpoint, flags.toArray(String[]::new));
    Mounted m = new Mounted(mountpoint, client, fuse, fs, upcalls);
    m.setReadahead(options.readaheadKb());
    Thread.ofPlatform().daemon().name("hearth-mount-watch").start(m::watch);
    return m;
  }

  private static List<String> fuseOptions(MountOptions o) {
    List<String> all = new ArrayList<>(List.of("fsname=hearth", "subtype=hearth"));
    all.addAll(o.fuseOptions());
    return all;
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

  private void watch() {
    while (stopped.getCount() > 0) {
      try {
        Thread.sleep(WATCH_INTERVAL_MS);
      } catch (InterruptedException e) {
        return;
      }
      if (!MountTable.isHearthMount(mountpoint) && !isStopping()) {
        LOG.info("{} was unmounted; stopping", mountpoint);
        stop();
      }
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
      fuse.close(); // unmounts, ends the FUSE loop, then libfuse calls destroy (flushes files)
    } catch (TimeoutException | RuntimeException e) {
      LOG.warn("unmounting {}: {}", mountpoint, e.toString());
    }
    if (fs.openFiles() > 0) {
      fs.destroy();
    }
    try {
      client.close();
    } catch (Exception e) {
      LOG.warn("closing the client: {}", e.toString());
    }
    upcalls.close();
    stopped.countDown();
  }

  void awaitStopped() throws InterruptedException {
    stopped.await();
  }
}
