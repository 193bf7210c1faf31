package io.hearth.fuse.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hearth.fuse.kernel.Layout.AttrOut;
import io.hearth.fuse.kernel.Layout.DirentPlus;
import io.hearth.fuse.kernel.Layout.EntryOut;
import io.hearth.fuse.kernel.Layout.InHeader;
import io.hearth.fuse.kernel.Layout.InitIn;
import io.hearth.fuse.kernel.Layout.InitOut;
import io.hearth.fuse.kernel.Layout.LkIn;
import io.hearth.fuse.kernel.Layout.OutHeader;
import io.hearth.fuse.kernel.Layout.ReadIn;
import io.hearth.fuse.kernel.Layout.SetattrIn;
import io.hearth.fuse.kernel.Layout.StatfsOut;
import io.hearth.fuse.kernel.Layout.WriteIn;
import org.junit.jupiter.api.Test;

/**
 * The layout constants against what gcc computes from /usr/include/linux/fuse.h (7.38) on x86_64:
 * the numbers below were printed by a C program of offsetof/sizeof lines, so a typo in Layout fails
 * here rather than as a hung mount.
 */
class LayoutTest {
  @Test
  void sizesAreFuseHs() {
    assertEquals(40, InHeader.SIZE);
    assertEquals(16, OutHeader.SIZE);
    assertEquals(88, Layout.Attr.SIZE);
    assertEquals(128, EntryOut.SIZE);
    assertEquals(104, AttrOut.SIZE);
    assertEquals(64, InitIn.SIZE);
    assertEquals(64, InitOut.SIZE);
    assertEquals(88, SetattrIn.SIZE);
    assertEquals(40, ReadIn.SIZE);
    assertEquals(40, WriteIn.SIZE);
    assertEquals(16, Layout.OpenOut.SIZE);
    assertEquals(16, Layout.CreateIn.SIZE);
    assertEquals(24, Layout.ReleaseIn.SIZE);
    assertEquals(24, Layout.FlushIn.SIZE);
    assertEquals(16, Layout.FsyncIn.SIZE);
    assertEquals(80, StatfsOut.SIZE);
    assertEquals(48, LkIn.SIZE);
    assertEquals(24, Layout.FuseFileLock.SIZE);
    assertEquals(8, Layout.InterruptIn.SIZE);
    assertEquals(24, Layout.Dirent.NAME);
    assertEquals(152, DirentPlus.NAME);
    assertEquals(24, Layout.NotifyInvalInodeOut.SIZE);
    assertEquals(16, Layout.NotifyInvalEntryOut.SIZE);
    assertEquals(24, Layout.NotifyDeleteOut.SIZE);
    assertEquals(24, Layout.NotifyStoreOut.SIZE);
    assertEquals(8, Layout.BatchForgetIn.SIZE);
    assertEquals(16, Layout.ForgetOne.SIZE);
    assertEquals(16, Layout.GetattrIn.SIZE);
    assertEquals(16, Layout.RenameIn.SIZE2);
    assertEquals(16, Layout.MknodIn.SIZE);
    assertEquals(8, Layout.MkdirIn.SIZE);
    assertEquals(32, Layout.FallocateIn.SIZE);
    assertEquals(24, Layout.LseekIn.SIZE);
  }

  @Test
  void offsetsAreFuseHs() {
    assertEquals(36, InHeader.TOTAL_EXTLEN);
    assertEquals(8, SetattrIn.FH);
    assertEquals(16, SetattrIn.SIZE_);
    assertEquals(24, SetattrIn.LOCK_OWNER);
    assertEquals(32, SetattrIn.ATIME);
    assertEquals(40, SetattrIn.MTIME);
    assertEquals(48, SetattrIn.CTIME);
    assertEquals(56, SetattrIn.ATIMENSEC);
    assertEquals(60, SetattrIn.MTIMENSEC);
    assertEquals(64, SetattrIn.CTIMENSEC);
    assertEquals(68, SetattrIn.MODE);
    assertEquals(76, SetattrIn.UID);
    assertEquals(80, SetattrIn.GID);
    assertEquals(16, LkIn.LK);
    assertEquals(40, LkIn.LK_FLAGS);
    assertEquals(128, DirentPlus.DIRENT);
    assertEquals(32, InitOut.FLAGS2);
    assertEquals(28, InitOut.MAX_PAGES);
    assertEquals(0x8004e500L, FuseAbi.DEV_IOC_CLONE);
  }

  @Test
  void recordsAlignToEightBytes() {
    assertEquals(24, Layout.align8(24));
    assertEquals(32, Layout.align8(25));
    assertEquals(32, Layout.align8(31));
    assertEquals(32, Layout.align8(32));
  }
}
