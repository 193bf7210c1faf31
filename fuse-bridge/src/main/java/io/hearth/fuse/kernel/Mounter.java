package io.hearth.fuse.kernel;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Attaches a /dev/fuse descriptor to a directory and takes it away, as root: mount(2) with the
 * options the kernel's FUSE file system parses ("fd=N,rootmode=...,user_id=...,group_id=..."),
 * umount2(2) with MNT_DETACH (what libfuse does as root), and the fusectl "abort" file for a
 * connection that does not end by itself.
 *
 * <p>Without root, libfuse runs the setuid helper fusermount3, which mounts and passes the
 * descriptor back over a unix socket (SCM_RIGHTS); that path is not here yet (see the package
 * notes): {@link #mount} refuses to run as another user.
 */
final class Mounter {
  private Mounter() {}

  /** What mount(2) takes in its data string, besides the fd, rootmode and ids written here. */
  static final Set<String> KERNEL_OPTIONS = Set.of("allow_other", "default_permissions");

  private static final int S_IFMT = 0170000;
  private static final int S_IFDIR = 0040000;

  /** The mount(2) data string for {@code fd} at a directory of mode {@code rootMode}. */
  static String data(int fd, int rootMode, int uid, int gid, SessionOptions o) {
    StringBuilder d = new StringBuilder();
    d.append("fd=").append(fd);
    d.append(",rootmode=").append(Integer.toOctalString(rootMode & S_IFMT));
    d.append(",user_id=").append(uid);
    d.append(",group_id=").append(gid);
    for (String opt : o.mountOptions()) {
      if (KERNEL_OPTIONS.contains(opt)) {
        d.append(',').append(opt);
      } else if (opt.startsWith("max_read=")) {
        d.append(',').append(opt);
      } else if (!opt.equals("ro")) {
        throw new IllegalArgumentException("not a FUSE mount option: " + opt);
      }
    }
    return d.toString();
  }

  static long flags(SessionOptions o) {
    long f = Syscalls.MS_NOSUID | Syscalls.MS_NODEV;
    return o.mountOptions().contains("ro") ? f | Syscalls.MS_RDONLY : f;
  }

  /** Opens /dev/fuse and mounts it at {@code mountpoint}; the kernel then sends INIT. */
  static DevFuse mount(Path mountpoint, SessionOptions o) throws IOException {
    if (Syscalls.geteuid() != 0) {
      throw new IOException(
          "mounting through /dev/fuse needs root (the fusermount3 path is not built yet)");
    }
    int mode = (Integer) Files.getAttribute(mountpoint, "unix:mode");
    if ((mode & S_IFMT) != S_IFDIR) {
      throw new IOException(mountpoint + " is not a directory");
    }
    DevFuse dev = DevFuse.open();
    String data = data(dev.fd(), mode, Syscalls.geteuid(), Syscalls.getegid(), o);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment errno = Syscalls.errnoSegment(a);
      int r =
          Syscalls.mount(
              errno, o.fsName(), mountpoint.toString(), "fuse." + o.subtype(), flags(o), data);
      if (r < 0) {
        dev.close();
        throw new IOException("mount " + mountpoint + ": " + Syscalls.strerror(-r));
      }
    }
    return dev;
  }

  /**
   * Detaches the mount (lazily: open files keep the connection until they are closed). 0, or
   * -errno; EINVAL means it was not mounted (any more).
   */
  static int unmount(Path mountpoint) {
    try (Arena a = Arena.ofConfined()) {
      return Syscalls.umount2(Syscalls.errnoSegment(a), mountpoint.toString(), Syscalls.MNT_DETACH);
    }
  }

  /**
   * The fusectl name of the connection behind a mount's st_dev: the kernel's dev_t (major << 20 |
   * minor) in decimal, where stat(2) reports the "new" encoding.
   */
  static long connectionId(long stDev) {
    long major = (stDev >>> 8) & 0xfff;
    long minor = (stDev & 0xff) | ((stDev >>> 12) & ~0xffL);
    return (major << 20) | minor;
  }

  static final Path FUSECTL = Path.of("/sys/fs/fuse/connections");

  /**
   * Ends connection {@code id} at once (every waiting request fails with ENOTCONN), through
   * fusectl; mounts fusectl first where the system did not (as root: many minimal systems never
   * mount it, and a connection kept alive by open files could then never be ended).
   */
  static boolean abort(long id) {
    Path abort = FUSECTL.resolve(Long.toString(id)).resolve("abort");
    if (!Files.exists(abort) && Files.isDirectory(FUSECTL)) {
      try (Arena a = Arena.ofConfined()) {
        int r =
            Syscalls.mount(
                Syscalls.errnoSegment(a), "fusectl", FUSECTL.toString(), "fusectl", 0, "");
        if (r < 0) {
          return false;
        }
      }
    }
    try {
      Files.writeString(abort, "1");
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
