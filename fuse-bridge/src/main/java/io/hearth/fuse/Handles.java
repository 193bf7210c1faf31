package io.hearth.fuse;

import io.hearth.client.HearthFile;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Open files by the handle number the kernel passes back (fuse_file_info.fh). Numbers are never
 * reused, so a stale handle cannot reach another file. Bounded by {@link #OPEN_MAX}: past it, open
 * fails with ENFILE. Thread-safe.
 */
final class Handles {
  /** Open files per mount; each holds little (its buffered writes are bounded by the VFS). */
  static final int OPEN_MAX = 1 << 16;

  private final ConcurrentHashMap<Long, HearthFile> open = new ConcurrentHashMap<>();
  private final AtomicLong next = new AtomicLong(1);

  long add(HearthFile f) throws HearthException {
    if (open.size() >= OPEN_MAX) {
      f.close();
      throw new HearthException(Errno.ENFILE, open.size() + " files open on this mount");
    }
    long fh = next.getAndIncrement();
    open.put(fh, f);
    return fh;
  }

  HearthFile get(long fh) throws HearthException {
    HearthFile f = open.get(fh);
    if (f == null) {
      throw new HearthException(Errno.EBADF, "no open file with handle " + fh);
    }
    return f;
  }

  /** The file of a handle, or null when the kernel passed none (path-based calls). */
  HearthFile find(long fh) {
    return fh == 0 ? null : open.get(fh);
  }

  HearthFile remove(long fh) throws HearthException {
    HearthFile f = open.remove(fh);
    if (f == null) {
      throw new HearthException(Errno.EBADF, "no open file with handle " + fh);
    }
    return f;
  }

  /** Whether some handle here is of inode {@code ino} (a scan: handles are few). */
  boolean anyOf(long ino) {
    return open.values().stream().anyMatch(f -> f.ino() == ino);
  }

  int size() {
    return open.size();
  }

  /** Closes every file (unmount): flushes what each buffered; returns how many failed. */
  int closeAll() {
    int failed = 0;
    for (Long fh : open.keySet()) {
      HearthFile f = open.remove(fh);
      if (f != null) {
        try {
          f.close();
        } catch (HearthException e) {
          failed++;
        }
      }
    }
    return failed;
  }
}
