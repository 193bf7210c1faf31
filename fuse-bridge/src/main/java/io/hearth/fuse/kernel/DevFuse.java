package io.hearth.fuse.kernel;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A /dev/fuse descriptor as a {@link Channel}: read(2) returns one request, write(2) of a whole
 * reply answers one. Blocking reads: several request threads may wait in read on one descriptor
 * (the kernel wakes one per request), or each may have a clone ({@link #cloneOf}, the
 * FUSE_DEV_IOC_CLONE ioctl), which serves the same connection with its own processing queue. A
 * reply must go to the descriptor its request came from.
 */
final class DevFuse implements Channel {
  static final String PATH = "/dev/fuse";

  private final int fd;
  private final boolean owned;
  // Freed by the GC: a thread may still be inside read(2) with it when another closes the fd.
  private final MemorySegment errno = Syscalls.errnoSegment(Arena.ofAuto());

  private DevFuse(int fd, boolean owned) {
    this.fd = fd;
    this.owned = owned;
  }

  /** Opens /dev/fuse (not yet attached to a mount). */
  static DevFuse open() throws IOException {
    try (Arena a = Arena.ofConfined()) {
      int fd = Syscalls.open(Syscalls.errnoSegment(a), PATH, Syscalls.O_RDWR | Syscalls.O_CLOEXEC);
      if (fd < 0) {
        throw new IOException("open " + PATH + ": " + Syscalls.strerror(-fd));
      }
      return new DevFuse(fd, true);
    }
  }

  /** Another descriptor for the mounted connection of {@code main}, for one request thread. */
  static DevFuse cloneOf(DevFuse main) throws IOException {
    DevFuse c = open();
    try (Arena a = Arena.ofConfined()) {
      MemorySegment arg = a.allocateFrom(ValueLayout.JAVA_INT, main.fd);
      int r = Syscalls.ioctl(c.errno, c.fd, FuseAbi.DEV_IOC_CLONE, arg);
      if (r < 0) {
        c.close();
        throw new IOException("FUSE_DEV_IOC_CLONE: " + Syscalls.strerror(-r));
      }
    }
    return c;
  }

  /** The same descriptor for another thread (its own errno segment; not closed by it). */
  DevFuse share() {
    return new DevFuse(fd, false);
  }

  int fd() {
    return fd;
  }

  @Override
  public int read(MemorySegment buf) {
    return Syscalls.read(errno, fd, buf);
  }

  @Override
  public int write(MemorySegment buf, int len) {
    return Syscalls.write(errno, fd, buf, len);
  }

  @Override
  public void close() {
    if (owned) {
      Syscalls.close(fd);
    }
  }
}
