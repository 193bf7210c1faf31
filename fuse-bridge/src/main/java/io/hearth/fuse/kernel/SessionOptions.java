package io.hearth.fuse.kernel;

import java.time.Duration;
import java.util.List;

/**
 * How a {@link Session} mounts and serves.
 *
 * @param threads request threads, each blocked in read(2) until the kernel has a request (the bound
 *     on requests served at once)
 * @param cloneFd give each request thread its own /dev/fuse descriptor (FUSE_DEV_IOC_CLONE)
 * @param maxWrite the largest WRITE (and READ) the kernel may send, bytes; one request buffer per
 *     thread holds this much
 * @param maxReadahead cap on the kernel's readahead, bytes (0: what the kernel offers)
 * @param extraFlags FuseAbi init flags wanted on top of the defaults ({@link #DEFAULT_FLAGS}), e.g.
 *     WRITEBACK_CACHE; the kernel grants only what it offers
 * @param fsName the mount's source, as /proc/mounts shows it
 * @param subtype the mount's type is fuse.SUBTYPE
 * @param mountOptions kernel mount options: allow_other, default_permissions, ro
 * @param stopTimeout how long close waits for the kernel to end the connection before aborting it
 */
public record SessionOptions(
    int threads,
    boolean cloneFd,
    int maxWrite,
    int maxReadahead,
    long extraFlags,
    String fsName,
    String subtype,
    List<String> mountOptions,
    Duration stopTimeout) {

  /**
   * What the session asks of the kernel by default: libfuse 3.14's defaults (do_init's
   * LL_SET_DEFAULT list) plus EXPORT_SUPPORT, so that a mount behaves as a libfuse one does.
   */
  public static final long DEFAULT_FLAGS =
      FuseAbi.ASYNC_READ
          | FuseAbi.PARALLEL_DIROPS
          | FuseAbi.AUTO_INVAL_DATA
          | FuseAbi.HANDLE_KILLPRIV
          | FuseAbi.ASYNC_DIO
          | FuseAbi.HAS_IOCTL_DIR
          | FuseAbi.ATOMIC_O_TRUNC
          | FuseAbi.DO_READDIRPLUS
          | FuseAbi.READDIRPLUS_AUTO
          | FuseAbi.BIG_WRITES
          | FuseAbi.MAX_PAGES
          | FuseAbi.EXPORT_SUPPORT;

  public static final int THREADS_MAX = 256;
  public static final int MAX_WRITE_MAX = 16 << 20;

  public SessionOptions {
    if (threads < 1 || threads > THREADS_MAX) {
      throw new IllegalArgumentException("threads must be 1.." + THREADS_MAX + ": " + threads);
    }
    if (maxWrite < 4096 || maxWrite > MAX_WRITE_MAX) {
      throw new IllegalArgumentException("maxWrite must be 4 KiB..16 MiB: " + maxWrite);
    }
    if (maxReadahead < 0) {
      throw new IllegalArgumentException("maxReadahead must be >= 0: " + maxReadahead);
    }
    mountOptions = List.copyOf(mountOptions);
    for (String o : mountOptions) {
      if (!o.matches("[a-z_]+(=[A-Za-z0-9_.]+)?")) {
        throw new IllegalArgumentException("bad mount option: " + o);
      }
    }
  }

  /** 4 threads, no clones, 1 MiB requests, the kernel's readahead. */
  public static SessionOptions defaults(String fsName) {
    return new SessionOptions(
        4, false, 1 << 20, 0, 0, fsName, fsName, List.of(), Duration.ofSeconds(10));
  }

  public SessionOptions withThreads(int n) {
    return new SessionOptions(
        n, cloneFd, maxWrite, maxReadahead, extraFlags, fsName, subtype, mountOptions, stopTimeout);
  }

  public SessionOptions withCloneFd(boolean clone) {
    return new SessionOptions(
        threads,
        clone,
        maxWrite,
        maxReadahead,
        extraFlags,
        fsName,
        subtype,
        mountOptions,
        stopTimeout);
  }

  public SessionOptions withMountOptions(List<String> opts) {
    return new SessionOptions(
        threads, cloneFd, maxWrite, maxReadahead, extraFlags, fsName, subtype, opts, stopTimeout);
  }

  public SessionOptions withExtraFlags(long flags) {
    return new SessionOptions(
        threads,
        cloneFd,
        maxWrite,
        maxReadahead,
        flags,
        fsName,
        subtype,
        mountOptions,
        stopTimeout);
  }
}
