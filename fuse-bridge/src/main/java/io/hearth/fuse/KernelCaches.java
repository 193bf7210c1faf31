package io.hearth.fuse;

import io.hearth.fuse.kernel.Notifier;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the kernel may have cached of each file, by data version (the namespace's version of its
 * contents), and the invalidations pushed when that is out of date:
 *
 * <ul>
 *   <li>the version of the attributes last handed to the kernel (every entry and attribute reply);
 *   <li>the version of the pages the kernel may hold, from the last open (and none once this mount
 *       wrote the file: its own commits move the version on).
 * </ul>
 *
 * <p>An open whose version is the pages' keeps the page cache (FOPEN_KEEP_CACHE: a re-read is a
 * memory copy); any other drops it, as close-to-open across mounts needs. When an open shows a
 * newer version than the attributes the kernel holds, those are dropped at once (pushed through the
 * notifier), so that the kernel does not read the new contents with the old size for the rest of
 * its attribute timeout.
 *
 * <p><b>Validity, per inode.</b> What the kernel is handed of an inode is valid for the mount's
 * timeout, unless the client saw that inode change elsewhere lately: then for a tenth of the time
 * it has been quiet since, at most the timeout ({@link #validityAfterQuietNs}, the rule NFS clients
 * use for their attribute cache, scaled to FUSE's shorter times). A file being written on another
 * node is asked about again at each look here (a {@code tail -f} sees it grow at once), a quiet one
 * is cached for the full timeout. Longer than the timeout needs knowing that nothing can change it
 * (a lease on the subtree, which the write-back work brings), so no rule here lengthens it.
 *
 * <p>Pushes run on one thread of their own, never on a request thread: the kernel may hold locks of
 * the inode while a request is being served, and an invalidation waiting for them there would
 * deadlock the mount. At most {@link #PUSHES_QUEUED_MAX} wait; more are dropped (the timeouts still
 * bound what the kernel shows). At most {@link #INODES_MAX} inodes are remembered.
 *
 * <p>Thread-safe.
 */
final class KernelCaches implements AutoCloseable, io.hearth.client.CacheInvalidator {
  private static final Logger LOG = LoggerFactory.getLogger(KernelCaches.class);
  static final int INODES_MAX = 100_000;
  static final int PUSHES_QUEUED_MAX = 4096;
  static final int HOT_INODES_MAX = 10_000;

  /** No version known: the kernel may hold anything. */
  private static final long UNKNOWN = -1;

  private record Versions(long attrs, long pages) {}

  private final Map<Long, Versions> known =
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Versions> e) {
          return size() > INODES_MAX;
        }
      };

  /** Inodes seen changed elsewhere lately, with when (monotonic ns); at most HOT_INODES_MAX. */
  private final Map<Long, Long> changedElsewhereNs =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Long> e) {
          return size() > HOT_INODES_MAX;
        }
      };

  private final java.util.function.LongSupplier nanos;

  KernelCaches() {
    this(System::nanoTime);
  }

  /** With {@code nanos} as the monotonic clock of the validity rule. */
  KernelCaches(java.util.function.LongSupplier nanos) {
    this.nanos = nanos;
  }

  /** Lookups the kernel holds per node (entries handed to it, less FORGETs). */
  private final Map<Long, Long> lookups = new java.util.HashMap<>();

  private final BlockingQueue<java.util.function.ToIntFunction<Notifier>> pushes =
      new ArrayBlockingQueue<>(PUSHES_QUEUED_MAX);
  private volatile Notifier notifier;
  private Thread pusher;

  /** Starts pushing through the mount's notifier, once it is mounted. */
  synchronized void start(Notifier n) {
    this.notifier = n;
    pusher = Thread.ofPlatform().daemon().name("hearth-kernel-invalidate").start(this::push);
  }

  /** The kernel was handed attributes of {@code ino} at data version {@code version}. */
  synchronized void saw(long ino, long version) {
    Versions v = known.get(ino);
    known.put(ino, new Versions(version, v == null ? UNKNOWN : v.pages()));
  }

  /**
   * What an open of {@code ino} at {@code version} tells the kernel: keep its pages (they are of
   * that version), and whether its attributes are of an older version (then the caller drops them
   * before it answers the open, so the kernel reads the new contents with their new size).
   */
  record OnOpen(boolean keepPages, boolean attrsStale) {}

  synchronized OnOpen opened(long ino, long version) {
    Versions v = known.get(ino);
    boolean keep = v != null && v.pages() == version && version != UNKNOWN;
    boolean stale = v != null && v.attrs() != version && v.attrs() != UNKNOWN;
    known.put(ino, new Versions(stale || v == null ? UNKNOWN : v.attrs(), version));
    return new OnOpen(keep, stale);
  }

  /** The kernel holds one more lookup of {@code ino} (an entry was handed to it). */
  synchronized void lookedUp(long ino) {
    lookups.merge(ino, 1L, Long::sum);
  }

  /** FORGET: the kernel dropped {@code n} lookups; at none, nothing of it is cached there. */
  synchronized void forget(long ino, long n) {
    Long left = lookups.get(ino);
    if (left == null || left <= n) {
      lookups.remove(ino);
      known.remove(ino);
    } else {
      lookups.put(ino, left - n);
    }
  }

  /** Nodes the kernel holds lookups of. */
  synchronized int nodes() {
    return lookups.size();
  }

  /**
   * How long what the kernel is handed of {@code ino} now may be trusted, the mount's timeout being
   * {@code timeoutNs}.
   */
  synchronized long validityNs(long ino, long timeoutNs) {
    Long at = changedElsewhereNs.get(ino);
    if (at == null) {
      return timeoutNs;
    }
    long v = validityAfterQuietNs(timeoutNs, nanos.getAsLong() - at);
    if (v == timeoutNs) {
      changedElsewhereNs.remove(ino); // quiet long enough: as if never seen changing
    }
    return v;
  }

  /**
   * The rule: a tenth of the time quiet since the last change seen elsewhere, at most the timeout.
   */
  static long validityAfterQuietNs(long timeoutNs, long quietNs) {
    return Math.min(timeoutNs, Math.max(0, quietNs / 10));
  }

  /** The client saw the inode's contents change elsewhere: drop what the kernel holds of it. */
  @Override
  public void inode(long ino) {
    synchronized (this) {
      changedElsewhereNs.put(ino, nanos.getAsLong());
      if (!lookups.containsKey(ino)) {
        return; // the kernel holds nothing of it
      }
      known.remove(ino);
    }
    queue(n -> n.invalInode(ino, 0, 0), "inode " + ino);
  }

  @Override
  public void entry(long parent, byte[] name) {
    byte[] copy = name.clone();
    queue(n -> n.invalEntry(parent, copy, false), "an entry of " + parent);
  }

  @Override
  public void deleted(long parent, long child, byte[] name) {
    byte[] copy = name.clone();
    queue(n -> n.delete(parent, child, copy), "an entry of " + parent);
  }

  private void queue(java.util.function.ToIntFunction<Notifier> push, String what) {
    if (!pushes.offer(push)) {
      LOG.debug("invalidation of {} dropped: {} queued", what, PUSHES_QUEUED_MAX);
    }
  }

  /** This mount wrote the file: the kernel's pages are its own, and of no version known here. */
  synchronized void wrote(long ino) {
    Versions v = known.get(ino);
    if (v != null && v.pages() != UNKNOWN) {
      known.put(ino, new Versions(v.attrs(), UNKNOWN));
    }
  }

  /**
   * Waits until every push queued before this call is done, at most {@code timeoutMs} (the pusher
   * may be held up by the kernel): so a lock's grant answers after the pages it made stale are
   * dropped. Returns at once when nothing is queued.
   */
  void awaitPushed(long timeoutMs) {
    if (pushes.isEmpty() || pusher == null) {
      return;
    }
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    try {
      boolean queued =
          pushes.offer(
              n -> {
                done.countDown();
                return 0;
              },
              timeoutMs,
              java.util.concurrent.TimeUnit.MILLISECONDS);
      if (!queued || !done.await(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        LOG.warn("invalidations still queued after {} ms; answering anyway", timeoutMs);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void push() {
    while (true) {
      java.util.function.ToIntFunction<Notifier> push;
      try {
        push = pushes.take();
      } catch (InterruptedException e) {
        return;
      }
      Notifier n = notifier;
      int r = n == null ? 0 : push.applyAsInt(n);
      if (r < 0 && r != -2) { // ENOENT: the kernel has nothing of it cached
        LOG.debug("pushed invalidation refused: {}", r);
      }
    }
  }

  @Override
  public synchronized void close() {
    if (pusher != null) {
      pusher.interrupt();
    }
  }
}
