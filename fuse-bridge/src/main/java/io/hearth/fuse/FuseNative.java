package io.hearth.fuse;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The few libfuse3 functions jfuse does not bind, called through FFM: who is calling (uid, gid,
 * pid, supplementary groups) and dropping the kernel's cache of a path.
 *
 * <p>{@link #caller} and {@link #groups} are valid only on a FUSE worker thread while it handles a
 * request (libfuse keeps the context in a thread-local).
 */
final class FuseNative {
  /** Where Debian, Ubuntu, Fedora and Arch put libfuse3. */
  private static final List<String> LIBRARY_CANDIDATES =
      List.of(
          "/lib/x86_64-linux-gnu/libfuse3.so.3",
          "/usr/lib/x86_64-linux-gnu/libfuse3.so.3",
          "/usr/lib64/libfuse3.so.3",
          "/usr/lib/libfuse3.so.3",
          "/lib/aarch64-linux-gnu/libfuse3.so.3",
          "/usr/lib/aarch64-linux-gnu/libfuse3.so.3");

  /** Supplementary groups read per caller; Linux allows 65,536 but more than this is unheard of. */
  static final int GROUPS_MAX = 1024;

  // struct fuse_context { struct fuse *fuse; uid_t uid; gid_t gid; pid_t pid; void *private_data;
  // mode_t umask; } on LP64
  private static final long CTX_FUSE = 0;
  private static final long CTX_UID = 8;
  private static final long CTX_GID = 12;
  private static final long CTX_PID = 16;
  private static final long CTX_UMASK = 32;
  private static final long CTX_SIZE = 40;

  private final MethodHandle getContext;
  private final MethodHandle getGroups;
  private final MethodHandle invalidatePath;
  private final String libraryPath;

  /** The calling process as libfuse saw it. */
  record Caller(int uid, int gid, int pid, int umask) {}

  FuseNative(String libraryPath) {
    this.libraryPath = libraryPath;
    Linker linker = Linker.nativeLinker();
    SymbolLookup lib = SymbolLookup.libraryLookup(Path.of(libraryPath), Arena.global());
    getContext =
        linker.downcallHandle(
            lib.find("fuse_get_context").orElseThrow(), FunctionDescriptor.of(ADDRESS));
    getGroups =
        linker.downcallHandle(
            lib.find("fuse_getgroups").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    invalidatePath =
        linker.downcallHandle(
            lib.find("fuse_invalidate_path").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  }

  /** libfuse3's path: {@code -Dhearth.libfuse=PATH}, else the first of the usual places. */
  static String findLibrary() {
    String configured = System.getProperty("hearth.libfuse");
    if (configured != null) {
      return configured;
    }
    for (String p : LIBRARY_CANDIDATES) {
      if (Files.exists(Path.of(p))) {
        return p;
      }
    }
    throw new IllegalStateException(
        "libfuse3 not found in "
            + LIBRARY_CANDIDATES
            + ": install it (apt-get install fuse3) or pass -Dhearth.libfuse=/path/to/libfuse3.so.3");
  }

  String libraryPath() {
    return libraryPath;
  }

  private MemorySegment context() {
    try {
      return ((MemorySegment) getContext.invokeExact()).reinterpret(CTX_SIZE);
    } catch (Throwable t) {
      throw new IllegalStateException("fuse_get_context failed", t);
    }
  }

  Caller caller() {
    MemorySegment c = context();
    return new Caller(
        c.get(JAVA_INT, CTX_UID),
        c.get(JAVA_INT, CTX_GID),
        c.get(JAVA_INT, CTX_PID),
        c.get(JAVA_INT, CTX_UMASK));
  }

  /** The calling thread's supplementary groups (libfuse reads /proc/PID/task/TID/status). */
  List<Integer> groups() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment list = a.allocate(JAVA_INT, GROUPS_MAX);
      int n = (int) getGroups.invokeExact(GROUPS_MAX, list);
      if (n < 0) {
        return List.of(); // the process already exited, or /proc is not mounted
      }
      List<Integer> out = new ArrayList<>(Math.min(n, GROUPS_MAX));
      for (int i = 0; i < Math.min(n, GROUPS_MAX); i++) {
        out.add(list.getAtIndex(JAVA_INT, i));
      }
      return out;
    } catch (Throwable t) {
      throw new IllegalStateException("fuse_getgroups failed", t);
    }
  }

  /**
   * Drops the kernel's cached attributes and pages of {@code path} (fuse_invalidate_path); a no-op
   * when the kernel has not cached it. Only on a FUSE worker thread.
   */
  void invalidate(String path) {
    MemorySegment fuse = context().get(ADDRESS, CTX_FUSE);
    try (Arena a = Arena.ofConfined()) {
      int ignored = (int) invalidatePath.invokeExact(fuse, a.allocateFrom(path));
    } catch (Throwable t) {
      throw new IllegalStateException("fuse_invalidate_path failed", t);
    }
  }
}
