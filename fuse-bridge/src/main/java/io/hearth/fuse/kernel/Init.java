package io.hearth.fuse.kernel;

import io.hearth.fuse.kernel.Layout.InitIn;
import io.hearth.fuse.kernel.Layout.InitOut;

/**
 * FUSE_INIT: the kernel offers its version, its readahead and the features it has; the reply
 * settles the minor (the lower one), the features (offered and wanted), and the request sizes. As
 * libfuse's do_init does, a kernel with a newer major gets our major back and asks again.
 */
final class Init {
  private Init() {}

  /**
   * Encodes the INIT reply into {@code out} and returns what was settled, or null when the kernel
   * spoke a newer major (the reply names ours; a second INIT follows).
   *
   * @param wanted the init flags the session would like (defaults, options, the file system's)
   * @param maxWrite the largest request payload the buffers hold
   * @param pageSize the kernel's page size: max_pages counts pages
   * @throws FuseError EPROTO for a kernel older than {@link FuseAbi#MINOR_MIN}
   */
  static Connection answer(
      Request req, Reply out, long wanted, int maxWrite, int maxReadahead, int pageSize)
      throws FuseError {
    int major = req.u32(InitIn.MAJOR);
    int minor = req.u32(InitIn.MINOR);
    out.zero(0, InitOut.SIZE);
    out.u32(InitOut.MAJOR, FuseAbi.KERNEL_VERSION);
    out.u32(InitOut.MINOR, FuseAbi.MINOR_MAX);
    if (major > FuseAbi.KERNEL_VERSION) {
      return null;
    }
    if (major < FuseAbi.KERNEL_VERSION || minor < FuseAbi.MINOR_MIN) {
      throw new FuseError(Errnos.EPROTO);
    }
    long offered = Integer.toUnsignedLong(req.u32(InitIn.FLAGS));
    if ((offered & FuseAbi.INIT_EXT) != 0 && req.hasArgs(InitIn.FLAGS2 + 4)) {
      offered |= Integer.toUnsignedLong(req.u32(InitIn.FLAGS2)) << 32;
    }
    long granted = offered & wanted;
    if ((offered & FuseAbi.INIT_EXT) != 0) {
      granted |= FuseAbi.INIT_EXT; // flags2 is read only when the reply says INIT_EXT too
    }
    int kernelReadahead = req.u32(InitIn.MAX_READAHEAD);
    int readahead = maxReadahead == 0 ? kernelReadahead : Math.min(kernelReadahead, maxReadahead);
    int pages = (maxWrite + pageSize - 1) / pageSize;
    int settledMinor = Math.min(minor, FuseAbi.MINOR_MAX);
    out.u32(InitOut.MINOR, settledMinor);
    out.u32(InitOut.MAX_READAHEAD, readahead);
    out.u32(InitOut.FLAGS, (int) granted);
    out.u32(InitOut.FLAGS2, (int) (granted >>> 32));
    // max_background and congestion_threshold 0: the kernel keeps its own (12 and 9).
    out.u32(InitOut.MAX_WRITE, maxWrite);
    out.u32(InitOut.TIME_GRAN, 1);
    out.u16(InitOut.MAX_PAGES, (granted & FuseAbi.MAX_PAGES) != 0 ? pages : 0);
    return new Connection(settledMinor, granted, maxWrite, readahead, pages, offered);
  }
}
