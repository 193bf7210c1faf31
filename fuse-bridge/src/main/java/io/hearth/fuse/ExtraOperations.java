package io.hearth.fuse;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Field;
import org.cryptomator.jfuse.api.Fuse;
import org.cryptomator.jfuse.linux.amd64.extr.fuse3.fuse_file_info;
import org.cryptomator.jfuse.linux.amd64.extr.fuse3.fuse_operations;

/**
 * Fills in the operations jfuse 0.7.0 leaves empty in libfuse's {@code struct fuse_operations}:
 * mknod, link and fallocate. Each slot gets an FFM upcall into {@link HearthFs}; libfuse copies the
 * struct when the file system is created, so this runs between {@code build} and {@code mount}. The
 * POSIX lock and flock slots stay empty on purpose: the kernel then keeps locks itself, which makes
 * them work within one mount (see docs/mounting.md).
 */
final class ExtraOperations {
  private ExtraOperations() {}

  static void install(Fuse fuse, HearthFs fs, Arena arena) {
    MemorySegment ops = operationsStruct(fuse).reinterpret(fuse_operations.sizeof());
    fuse_operations.mknod(
        ops,
        fuse_operations.mknod.allocate(
            (path, mode, rdev) -> fs.mknod(string(path), mode, rdev), arena));
    fuse_operations.link(
        ops, fuse_operations.link.allocate((from, to) -> fs.link(string(from), string(to)), arena));
    fuse_operations.fallocate(
        ops,
        fuse_operations.fallocate.allocate(
            (path, mode, offset, length, fi) ->
                fs.fallocate(string(path), mode, offset, length, handleOf(fi)),
            arena));
  }

  private static MemorySegment operationsStruct(Fuse fuse) {
    try {
      Field f = Fuse.class.getDeclaredField("fuseOperationsStruct");
      f.setAccessible(true);
      return (MemorySegment) f.get(fuse);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("jfuse changed: no fuseOperationsStruct", e);
    }
  }

  private static String string(MemorySegment cString) {
    return cString.reinterpret(Long.MAX_VALUE).getString(0);
  }

  private static long handleOf(MemorySegment fi) {
    return fi.equals(MemorySegment.NULL)
        ? 0
        : fuse_file_info.fh(fi.reinterpret(fuse_file_info.sizeof()));
  }
}
