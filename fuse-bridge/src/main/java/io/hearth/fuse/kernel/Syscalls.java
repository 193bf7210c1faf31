package io.hearth.fuse.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc calls the session makes, through FFM: open/close/read/write/ioctl of /dev/fuse, mount(2)
 * and umount2(2). Each call that can fail takes an errno capture segment ({@link #errnoSegment})
 * owned by the calling thread and returns -errno on failure, never throws.
 */
final class Syscalls {
  private Syscalls() {}

  static final int O_RDWR = 2;
  static final int O_CLOEXEC = 0x80000;
  static final long MS_RDONLY = 1;
  static final long MS_NOSUID = 2;
  static final long MS_NODEV = 4;
  static final int MNT_DETACH = 2;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
  private static final MemoryLayout STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO_VALUE =
      STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  private static final MethodHandle OPEN =
      handle(
          "open",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
          ERRNO,
          Linker.Option.firstVariadicArg(2));
  private static final MethodHandle CLOSE =
      handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final MethodHandle READ =
      handle("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO);
  private static final MethodHandle WRITE =
      handle("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO);
  private static final MethodHandle IOCTL_PTR =
      handle(
          "ioctl",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
          ERRNO,
          Linker.Option.firstVariadicArg(2));
  private static final MethodHandle MOUNT =
      handle(
          "mount",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS),
          ERRNO);
  private static final MethodHandle UMOUNT2 =
      handle("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), ERRNO);
  private static final MethodHandle GETEUID = handle("geteuid", FunctionDescriptor.of(JAVA_INT));
  private static final MethodHandle GETEGID = handle("getegid", FunctionDescriptor.of(JAVA_INT));
  private static final MethodHandle SYSCONF =
      handle("sysconf", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
  private static final int SC_PAGESIZE = 30;
  private static final MethodHandle STRERROR =
      handle("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

  private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... opts) {
    return LINKER.downcallHandle(
        LIBC.find(name).orElseThrow(() -> new IllegalStateException("libc has no " + name)),
        fd,
        opts);
  }

  /** Where a call leaves errno; one per thread, reused for every call. */
  static MemorySegment errnoSegment(Arena arena) {
    return arena.allocate(STATE);
  }

  private static int errno(MemorySegment state) {
    return (int) ERRNO_VALUE.get(state, 0L);
  }

  static int open(MemorySegment state, String path, int flags) {
    try (Arena a = Arena.ofConfined()) {
      int fd = (int) OPEN.invokeExact(state, a.allocateFrom(path), flags, 0);
      return fd >= 0 ? fd : -errno(state);
    } catch (Throwable t) {
      throw new IllegalStateException("open", t);
    }
  }

  static void close(int fd) {
    try {
      int ignored = (int) CLOSE.invokeExact(fd);
    } catch (Throwable t) {
      throw new IllegalStateException("close", t);
    }
  }

  /** read(2) into {@code buf}: bytes read, or -errno. */
  static int read(MemorySegment state, int fd, MemorySegment buf) {
    try {
      long n = (long) READ.invokeExact(state, fd, buf, buf.byteSize());
      return n >= 0 ? (int) n : -errno(state);
    } catch (Throwable t) {
      throw new IllegalStateException("read", t);
    }
  }

  /** write(2) of the first {@code len} bytes of {@code buf}: bytes written, or -errno. */
  static int write(MemorySegment state, int fd, MemorySegment buf, long len) {
    try {
      long n = (long) WRITE.invokeExact(state, fd, buf, len);
      return n >= 0 ? (int) n : -errno(state);
    } catch (Throwable t) {
      throw new IllegalStateException("write", t);
    }
  }

  static int ioctl(MemorySegment state, int fd, long request, MemorySegment arg) {
    try {
      int r = (int) IOCTL_PTR.invokeExact(state, fd, request, arg);
      return r >= 0 ? r : -errno(state);
    } catch (Throwable t) {
      throw new IllegalStateException("ioctl", t);
    }
  }

  static int mount(
      MemorySegment state, String source, String target, String fstype, long flags, String data) {
    try (Arena a = Arena.ofConfined()) {
      int r =
          (int)
              MOUNT.invokeExact(
                  state,
                  a.allocateFrom(source),
                  a.allocateFrom(target),
                  a.allocateFrom(fstype),
                  flags,
                  a.allocateFrom(data));
      return r == 0 ? 0 : -errno(state);
    } catch (Throwable t) {
      throw new IllegalStateException("mount", t);
    }
  }

  static int umount2(MemorySegment state, String target, int flags) {
    try (Arena a = Arena.ofConfined()) {
      int r = (int) UMOUNT2.invokeExact(state, a.allocateFrom(target), flags);
      return r == 0 ? 0 : -errno(state);
    } catch (Throwable t) {
      throw new IllegalStateException("umount2", t);
    }
  }

  static int geteuid() {
    try {
      return (int) GETEUID.invokeExact();
    } catch (Throwable t) {
      throw new IllegalStateException("geteuid", t);
    }
  }

  static int getegid() {
    try {
      return (int) GETEGID.invokeExact();
    } catch (Throwable t) {
      throw new IllegalStateException("getegid", t);
    }
  }

  static int pageSize() {
    try {
      return (int) (long) SYSCONF.invokeExact(SC_PAGESIZE);
    } catch (Throwable t) {
      throw new IllegalStateException("sysconf", t);
    }
  }

  /** The C library's message for an errno, for logs and exceptions. */
  static String strerror(int errno) {
    try {
      MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
      return s.reinterpret(256).getString(0);
    } catch (Throwable t) {
      return "errno " + errno;
    }
  }
}
