package io.hearth.fuse;

import io.hearth.client.FsStat;
import io.hearth.client.Stat;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import org.cryptomator.jfuse.linux.amd64.extr.fuse3.fuse_config;
import org.cryptomator.jfuse.linux.amd64.extr.fuse3.stat;
import org.cryptomator.jfuse.linux.amd64.extr.fuse3.statvfs;
import org.cryptomator.jfuse.linux.amd64.extr.fuse3.timespec;

/**
 * Writes the fields jfuse's interfaces leave out (st_ino, st_rdev, st_blocks, f_files, the cache
 * timeouts) straight into the C structs behind them. jfuse's Linux implementations are records over
 * a {@link MemorySegment}; their {@code segment()} accessor is public but the classes are not, so
 * it is reached once per class by reflection.
 */
final class NativeStructs {
  /** st_blocks counts 512-byte units whatever the file system's block size (stat(2)). */
  static final long STAT_BLOCK_BYTES = 512;

  /** The I/O size stat reports: what cp, tar and stdio use as their buffer size. */
  static final long PREFERRED_IO_BYTES = 1 << 20;

  private static final ClassValue<Method> SEGMENT_ACCESSOR =
      new ClassValue<>() {
        @Override
        protected Method computeValue(Class<?> type) {
          try {
            Method m = type.getMethod("segment");
            m.setAccessible(true);
            return m;
          } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(type + " has no segment(): jfuse changed", e);
          }
        }
      };

  private NativeStructs() {}

  static MemorySegment segmentOf(Object jfuseStruct) {
    try {
      return (MemorySegment) SEGMENT_ACCESSOR.get(jfuseStruct.getClass()).invoke(jfuseStruct);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot reach the struct behind " + jfuseStruct, e);
    }
  }

  /** Fills a struct stat from an inode's attributes. */
  static void fill(Object jfuseStat, Stat s) {
    MemorySegment seg = segmentOf(jfuseStat).reinterpret(stat.sizeof());
    stat.st_ino(seg, s.ino());
    stat.st_mode(seg, s.mode());
    stat.st_nlink(seg, s.nlink());
    stat.st_uid(seg, s.uid());
    stat.st_gid(seg, s.gid());
    stat.st_rdev(seg, s.rdev());
    stat.st_size(seg, s.size());
    stat.st_blksize(seg, PREFERRED_IO_BYTES);
    // Hearth does not track allocation per file: a file counts as fully allocated, so tools that
    // look for sparse files (cp, tar --sparse) read it as it is.
    stat.st_blocks(seg, (s.size() + STAT_BLOCK_BYTES - 1) / STAT_BLOCK_BYTES);
    time(stat.st_atim(seg), s.atimeNs());
    time(stat.st_mtim(seg), s.mtimeNs());
    time(stat.st_ctim(seg), s.ctimeNs());
  }

  /**
   * The two fields a plain readdir entry carries. st_ino must not be 0: readdir(3) skips entries
   * with d_ino 0.
   */
  static void fillEntry(Object jfuseStat, long ino, int type) {
    MemorySegment seg = segmentOf(jfuseStat).reinterpret(stat.sizeof());
    stat.st_ino(seg, ino);
    stat.st_mode(seg, type);
  }

  private static void time(MemorySegment ts, long ns) {
    timespec.tv_sec(ts, Math.floorDiv(ns, 1_000_000_000L));
    timespec.tv_nsec(ts, Math.floorMod(ns, 1_000_000_000L));
  }

  static void fill(Object jfuseStatvfs, FsStat f) {
    MemorySegment seg = segmentOf(jfuseStatvfs).reinterpret(statvfs.sizeof());
    statvfs.f_bsize(seg, f.blockSize());
    statvfs.f_frsize(seg, f.blockSize());
    statvfs.f_blocks(seg, f.blocks());
    statvfs.f_bfree(seg, f.blocksFree());
    statvfs.f_bavail(seg, f.blocksAvail());
    statvfs.f_files(seg, f.files());
    statvfs.f_ffree(seg, f.filesFree());
    statvfs.f_favail(seg, f.filesFree());
    statvfs.f_namemax(seg, f.nameMax());
  }

  /** Sets libfuse's kernel cache settings (struct fuse_config) from inside init. */
  static void configure(Object jfuseConfig, MountOptions o) {
    MemorySegment seg = segmentOf(jfuseConfig).reinterpret(fuse_config.sizeof());
    fuse_config.entry_timeout(seg, o.entryTimeoutS());
    fuse_config.attr_timeout(seg, o.attrTimeoutS());
    fuse_config.negative_timeout(seg, o.negativeTimeoutS());
    fuse_config.use_ino(seg, 1); // st_ino is the inode number: hard links share it
    fuse_config.readdir_ino(seg, 1);
    fuse_config.hard_remove(seg, 0); // an open file unlinked is renamed aside until released
    fuse_config.kernel_cache(seg, 0); // page cache dropped at open: close-to-open across mounts
    fuse_config.auto_cache(seg, 0);
    fuse_config.nullpath_ok(seg, 0);
  }
}
