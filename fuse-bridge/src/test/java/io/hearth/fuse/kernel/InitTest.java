package io.hearth.fuse.kernel;

import static io.hearth.fuse.kernel.Frames.args;
import static io.hearth.fuse.kernel.Frames.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.hearth.fuse.kernel.Frames.Written;
import org.junit.jupiter.api.Test;

/** FUSE_INIT against kernels newer and older than the codec, as do_init in libfuse answers. */
class InitTest {
  final Frames.Direct d = new Frames.Direct(new DispatcherTest.Recording());

  private static Frames.Args init(int major, int minor, int readahead, long flags) {
    return args()
        .u32(major)
        .u32(minor)
        .u32(readahead)
        .u32((int) flags)
        .u32((int) (flags >>> 32))
        .zeros(44);
  }

  @Test
  void aNewerKernelSettlesOnOurMinorAndTheFlagsBothWant() {
    long offered =
        FuseAbi.ASYNC_READ
            | FuseAbi.POSIX_LOCKS
            | FuseAbi.DO_READDIRPLUS
            | FuseAbi.WRITEBACK_CACHE
            | FuseAbi.MAX_PAGES
            | FuseAbi.INIT_EXT
            | FuseAbi.HAS_EXPIRE_ONLY
            | FuseAbi.SECURITY_CTX;
    Written w = d.serve(request(FuseAbi.INIT, 2, 0, init(7, 44, 131072, offered)));
    assertEquals(0, w.error());
    assertEquals(16 + 64, w.len());
    assertEquals(7, w.u32(0));
    assertEquals(38, w.u32(4));
    assertEquals(131072, w.u32(8)); // the kernel's readahead, as libfuse keeps it
    long granted =
        FuseAbi.ASYNC_READ | FuseAbi.DO_READDIRPLUS | FuseAbi.MAX_PAGES | FuseAbi.INIT_EXT;
    assertEquals((int) granted, w.u32(12)); // no locks, no writeback: not wanted
    assertEquals(0, w.u32(32)); // flags2: nothing above bit 31 wanted
    assertEquals(1 << 20, w.u32(20)); // max_write
    assertEquals(1, w.u32(24)); // time_gran
    assertEquals(256, w.u16(28)); // max_pages
    Connection c = d.initialized;
    assertEquals(38, c.minor());
    assertEquals(granted, c.flags());
    assertEquals(offered, c.kernelFlags());
  }

  @Test
  void flags2IsReadOnlyWithInitExt() {
    // bit 32 set in flags2 but no INIT_EXT: the kernel did not mean it
    Written w = d.serve(request(FuseAbi.INIT, 2, 0, init(7, 38, 65536, FuseAbi.SECURITY_CTX)));
    assertEquals(0, w.error());
    assertEquals(0, d.initialized.kernelFlags());
  }

  @Test
  void anOlderKernelIsRefused() {
    Written w = d.serve(request(FuseAbi.INIT, 2, 0, init(7, 27, 65536, 0)));
    assertEquals(-Errnos.EPROTO, w.error());
    assertNull(d.initialized);
  }

  @Test
  void aNewerMajorGetsOursBackAndNoConnection() {
    Written w = d.serve(request(FuseAbi.INIT, 2, 0, init(8, 0, 65536, 0)));
    assertEquals(0, w.error());
    assertEquals(7, w.u32(0));
    assertEquals(38, w.u32(4));
    assertNull(d.initialized);
  }
}
