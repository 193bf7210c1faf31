package io.hearth.fuse.kernel;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One FUSE mount served straight from /dev/fuse: the kernel's protocol, without libfuse.
 *
 * <p>Threads: {@link SessionOptions#threads} platform threads (fixed: the bound on requests served
 * at once), each blocked in read(2) on the device (or on its own clone of it), serving the request
 * it read on itself and writing the reply with one write(2): no handoff between threads, no
 * allocation per request beyond what the file system does. Native buffers per thread: one request
 * (maxWrite + 4 KiB) and one reply (maxWrite rounded to a page).
 *
 * <p>States: mounted (INIT answered; {@link #mount} returns) -> serving -> stopped. It stops when
 * the kernel ends the connection (umount, fusermount3 -u, or {@link #close}: read(2) fails with
 * ENODEV in every thread), and then calls {@link InodeFileSystem#destroy} once, after the last
 * reply. {@link #close} unmounts (lazily, as libfuse does as root), waits up to {@link
 * SessionOptions#stopTimeout} for that, and aborts the connection through fusectl if open files
 * kept it alive.
 *
 * <p>Interrupts: every request but FORGET is registered by its unique id while it is served, so
 * that FUSE_INTERRUPT can mark it ({@link Caller#interrupted}).
 */
public final class Session implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Session.class);
  static final Duration INIT_TIMEOUT = Duration.ofSeconds(30);

  private final InodeFileSystem fs;
  private final SessionOptions options;
  private final Path mountpoint;
  private final DevFuse device;
  private final Dispatcher dispatcher;
  private final Notifier notifier;
  private final int pageSize;
  private final int maxWrite;
  private final ConcurrentHashMap<Long, Request> inflight = new ConcurrentHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicBoolean destroyed = new AtomicBoolean();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CountDownLatch initialized = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Arena buffers = Arena.ofShared();
  private volatile long connectionId = -1;

  /** How request threads get their channel: index 0..threads-1. */
  interface Channels {
    Channel open(int index) throws IOException;
  }

  private Session(
      InodeFileSystem fs, SessionOptions o, Path mountpoint, DevFuse device, Channel notify) {
    this.fs = fs;
    this.options = o;
    this.mountpoint = mountpoint;
    this.device = device;
    this.pageSize = Syscalls.pageSize();
    this.maxWrite = o.maxWrite();
    this.dispatcher = new Dispatcher(fs, new Control());
    // After the stop the descriptor is closed and its number may be reused: notify no more.
    this.notifier =
        new Notifier(notify, () -> isStopped() ? null : dispatcher.connection(), 1 << 16);
  }

  /**
   * Mounts {@code fs} at {@code mountpoint} (an existing directory) and returns once the kernel
   * serves it (INIT answered).
   */
  public static Session mount(InodeFileSystem fs, Path mountpoint, SessionOptions o)
      throws IOException {
    DevFuse dev = Mounter.mount(mountpoint, o);
    Session s = new Session(fs, o, mountpoint, dev, dev.share());
    try {
      s.start(i -> i == 0 || !o.cloneFd() ? dev.share() : DevFuse.cloneOf(dev));
      if (!s.awaitInit(INIT_TIMEOUT)) {
        throw new IOException("the kernel sent no INIT within " + INIT_TIMEOUT);
      }
      s.connectionId = Mounter.connectionId((Long) Files.getAttribute(mountpoint, "unix:dev"));
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  /** A session over given channels, without a mount (tests). */
  static Session serve(InodeFileSystem fs, SessionOptions o, Channels channels, Channel notify)
      throws IOException {
    Session s = new Session(fs, o, null, null, notify);
    s.start(channels);
    return s;
  }

  private void start(Channels channels) throws IOException {
    List<Channel> opened = new ArrayList<>();
    try {
      for (int i = 0; i < options.threads(); i++) {
        opened.add(channels.open(i));
      }
    } catch (IOException | RuntimeException e) {
      opened.forEach(Channel::close);
      throw e;
    }
    running.set(opened.size());
    for (int i = 0; i < opened.size(); i++) {
      Channel ch = opened.get(i);
      Thread t =
          Thread.ofPlatform()
              .daemon()
              .name(options.subtype() + "-fuse-" + i)
              .unstarted(() -> work(ch));
      threads.add(t);
    }
    threads.forEach(Thread::start);
  }

  private void work(Channel ch) {
    int inSize = Math.max(FuseAbi.MIN_READ_BUFFER, maxWrite + 4096);
    int outSize = Layout.OutHeader.SIZE + roundUp(maxWrite, pageSize);
    MemorySegment in = buffers.allocate(inSize, pageSize);
    Reply out = new Reply(buffers.allocate(outSize, pageSize));
    Request req = new Request(in);
    DirBuffer dir = new DirBuffer(out);
    try {
      while (true) {
        int n = ch.read(in);
        if (n < 0) {
          int e = -n;
          if (e == Errnos.EINTR || e == Errnos.EAGAIN || e == Errnos.ENOENT) {
            continue; // a signal, or a request interrupted before it was read
          }
          if (e != Errnos.ENODEV) {
            LOG.warn("reading {}: {}", DevFuse.PATH, Syscalls.strerror(e));
          }
          return; // ENODEV: the connection ended (unmounted or aborted)
        }
        if (!req.reset(n)) {
          LOG.warn("malformed request of {} bytes ignored", n);
          continue;
        }
        int op = req.opcode();
        boolean tracked =
            op != FuseAbi.FORGET && op != FuseAbi.BATCH_FORGET && op != FuseAbi.INTERRUPT;
        if (tracked) {
          inflight.put(req.unique(), req);
        }
        try {
          dispatcher.serve(req, out, dir, ch);
        } finally {
          if (tracked) {
            inflight.remove(req.unique());
          }
        }
      }
    } catch (RuntimeException | Error e) {
      LOG.error("request thread failed", e);
    } finally {
      ch.close();
      if (running.decrementAndGet() == 0) {
        finish();
      }
    }
  }

  private static int roundUp(int n, int unit) {
    return (n + unit - 1) / unit * unit;
  }

  /** The last request thread ended: the connection is gone. */
  private void finish() {
    destroyOnce();
    if (device != null) {
      device.close();
    }
    buffers.close();
    stopped.countDown();
  }

  private void destroyOnce() {
    if (destroyed.compareAndSet(false, true)) {
      try {
        fs.destroy();
      } catch (RuntimeException e) {
        LOG.warn("destroy failed", e);
      }
    }
  }

  private final class Control implements Dispatcher.Control {
    @Override
    public long wantedFlags() {
      long f = (SessionOptions.DEFAULT_FLAGS | options.extraFlags()) & ~fs.unwantedFlags();
      if (fs.posixLocks()) {
        f |= FuseAbi.POSIX_LOCKS;
      }
      if (fs.flockLocks()) {
        f |= FuseAbi.FLOCK_LOCKS;
      }
      return f;
    }

    @Override
    public int maxWrite() {
      return maxWrite;
    }

    @Override
    public int maxReadahead() {
      return options.maxReadahead();
    }

    @Override
    public int pageSize() {
      return pageSize;
    }

    @Override
    public void initialized(Connection c) {
      try {
        fs.init(c);
      } finally {
        initialized.countDown();
      }
    }

    @Override
    public void destroyed() {
      destroyOnce();
    }

    @Override
    public boolean interrupt(long unique) {
      Request r = inflight.get(unique);
      if (r == null) {
        return false;
      }
      r.interrupt(unique);
      return true;
    }
  }

  boolean awaitInit(Duration timeout) {
    try {
      return initialized.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** What INIT settled; null before. */
  public Connection connection() {
    return dispatcher.connection();
  }

  public Notifier notifier() {
    return notifier;
  }

  public Path mountpoint() {
    return mountpoint;
  }

  /** Waits until the session stopped (unmounted from outside, or closed). */
  public boolean awaitStopped(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public boolean isStopped() {
    return stopped.getCount() == 0;
  }

  /**
   * Unmounts and waits for the request threads to end; aborts the connection when open files keep
   * it alive past the stop timeout. Idempotent; safe from a shutdown hook.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      awaitQuietly(options.stopTimeout());
      return;
    }
    if (mountpoint != null && !isStopped()) {
      int r = Mounter.unmount(mountpoint);
      if (r < 0 && r != -Errnos.EINVAL) {
        LOG.warn("unmounting {}: {}", mountpoint, Syscalls.strerror(-r));
      }
    }
    if (threads.isEmpty()) {
      finish(); // never started serving
    }
    if (!awaitQuietly(options.stopTimeout())) {
      long id = connectionId;
      if (id >= 0 && Mounter.abort(id)) {
        LOG.warn("{}: connection still busy after unmount; aborted it", mountpoint);
        awaitQuietly(options.stopTimeout());
      }
    }
    if (!isStopped()) {
      LOG.warn("{}: request threads still running after close", mountpoint);
    }
  }

  private boolean awaitQuietly(Duration timeout) {
    try {
      return awaitStopped(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
