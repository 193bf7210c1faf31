package io.hearth.server.meta;

import static io.hearth.server.meta.TestFs.assertErrno;
import static io.hearth.server.meta.TestFs.locAt;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.Limits;
import io.hearth.protocol.meta.Attr;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Create, link and remove: results, errnos, link counts and times, as Linux gives them. */
class NamespaceSemanticsTest extends SemanticsBase {
  @Test
  void mknodMakesEveryNonDirectoryType() throws Exception {
    assertEquals(FileMode.S_IFREG | 0644, root.mknod("f", FileMode.S_IFREG | 0644, 7).getMode());
    assertEquals(0, root.stat("f").getRdev(), "only devices keep rdev");
    assertEquals(FileMode.S_IFREG | 0600, root.mknod("zero-type", 0600, 0).getMode());
    assertEquals(FileMode.S_IFIFO | 0600, root.mknod("p", FileMode.S_IFIFO | 0600, 0).getMode());
    assertEquals(FileMode.S_IFSOCK | 0600, root.mknod("s", FileMode.S_IFSOCK | 0600, 0).getMode());
    Attr c = root.mknod("c", FileMode.S_IFCHR | 0600, 0x0103);
    assertEquals(FileMode.S_IFCHR | 0600, c.getMode());
    assertEquals(0x0103, c.getRdev());
    assertEquals(0x0801, root.mknod("b", FileMode.S_IFBLK | 0600, 0x0801).getRdev());
    assertEquals(List.of("b", "c", "f", "p", "s", "zero-type"), root.names(""));
    Attr f = root.stat("f");
    assertEquals(1, f.getNlink());
    assertEquals(0, f.getSize());
  }

  @Test
  void mknodRefusesDirectoriesSymlinksUnknownTypesAndUserDevices() throws Exception {
    assertErrno(Errno.EPERM, () -> root.mknod("d", FileMode.S_IFDIR | 0755, 0));
    assertErrno(Errno.EINVAL, () -> root.mknod("l", FileMode.S_IFLNK | 0777, 0));
    assertErrno(Errno.EINVAL, () -> root.mknod("x", 0030000 | 0644, 0));
    world("w");
    assertErrno(Errno.EPERM, () -> alice.mknod("w/c", FileMode.S_IFCHR | 0600, 1));
    assertErrno(Errno.EPERM, () -> alice.mknod("w/b", FileMode.S_IFBLK | 0600, 1));
    alice.mknod("w/fifo", FileMode.S_IFIFO | 0600, 0);
    assertEquals(List.of("fifo"), root.names("w"));
  }

  @Test
  void createErrnos() throws Exception {
    root.create("f", 0644);
    root.mkdir("d", 0755);
    assertErrno(Errno.EEXIST, () -> root.create("f", 0644));
    assertErrno(Errno.EEXIST, () -> root.mkdir("d", 0755));
    assertErrno(Errno.EEXIST, () -> root.create("d", 0644));
    assertErrno(Errno.EEXIST, () -> root.mkdir("d/.", 0755));
    assertErrno(Errno.EEXIST, () -> root.mkdir("d/..", 0755));
    assertErrno(Errno.EEXIST, () -> root.mkdir("", 0755));
    assertErrno(Errno.ENOENT, () -> root.create("nope/f", 0644));
    assertErrno(Errno.ENOTDIR, () -> root.create("f/x", 0644));
    assertErrno(Errno.ENOTDIR, () -> root.mkdir("f/x", 0755));
  }

  @Test
  void namesOf255BytesWorkAnd256DoNot() throws Exception {
    String n255 = "n".repeat(255);
    root.create(n255, 0644);
    assertEquals(List.of(n255), root.names(""));
    assertErrno(Errno.ENAMETOOLONG, () -> root.create("n".repeat(256), 0644));
    assertErrno(Errno.ENAMETOOLONG, () -> root.stat("n".repeat(256)));
    assertErrno(Errno.ENAMETOOLONG, () -> root.mkdir("n".repeat(256), 0755));
    // a 255-byte name of multi-byte characters counts bytes, not characters
    root.mkdir("é".repeat(127), 0755);
    assertErrno(Errno.ENAMETOOLONG, () -> root.mkdir("é".repeat(128), 0755));
  }

  /**
   * A mount resolves paths from its root, so a program in a deep directory passes the namespace a
   * path longer than PATH_MAX although its own is shorter (pjdfstest does this).
   */
  @Test
  void pathsLongerThanPathMaxResolve() throws Exception {
    String dir = "";
    for (int i = 0; i < 20; i++) { // 20 x 256 bytes: past 4096
      dir += (i == 0 ? "" : "/") + Character.toString('a' + i).repeat(255);
      root.mkdir(dir, 0755);
    }
    root.create(dir + "/f", 0644);
    assertEquals(List.of("f"), root.names(dir));
    root.unlink(dir + "/f");
    String tooLong = (dir + "/").repeat(13) + "x"; // past Limits.PATH_MAX_BYTES (64 KiB)
    assertErrno(Errno.ENAMETOOLONG, () -> root.stat(tooLong));
  }

  @Test
  void dotAndDotDotResolve() throws Exception {
    Attr a = root.mkdir("a", 0755);
    Attr b = root.mkdir("a/b", 0755);
    assertEquals(b.getIno(), root.stat("a/b/.").getIno());
    assertEquals(a.getIno(), root.stat("a/b/..").getIno());
    assertEquals(root.stat("").getIno(), root.stat("..").getIno(), "the root is its own parent");
    assertEquals(a.getIno(), root.stat(locAt(b.getIno(), ".."), false).getIno());
  }

  @Test
  void unknownInodeAsBaseIsEnoent() throws Exception {
    assertErrno(Errno.ENOENT, () -> root.stat(locAt(999_999, ""), false));
    assertErrno(Errno.ENOENT, () -> root.stat(locAt(999_999, "x"), false));
    assertErrno(Errno.ENOENT, () -> root.rmdir(locAt(999_999, "x")));
    assertErrno(Errno.ENOENT, () -> root.mknod(locAt(999_999, "x"), FileMode.S_IFREG | 0644, 0));
    Attr gone = root.mkdir("gone", 0755);
    root.rmdir("gone");
    assertErrno(
        Errno.ENOENT, () -> root.mknod(locAt(gone.getIno(), "x"), FileMode.S_IFREG | 0644, 0));
  }

  @Test
  void symlinksResolveAndLoopsAreEloop() throws Exception {
    root.mkdir("d", 0755);
    root.create("d/f", 0644);
    Attr l = root.symlink("d", "ld");
    assertEquals(FileMode.S_IFLNK | 0777, l.getMode());
    assertEquals(1, l.getSize());
    root.symlink("/d/f", "abs");
    assertEquals(root.stat("d/f").getIno(), root.stat("ld/f").getIno());
    assertEquals(root.stat("d/f").getIno(), root.stat("abs").getIno());
    assertEquals(l.getIno(), root.lstat("ld").getIno());
    assertEquals("d", root.readlink("ld"));
    assertErrno(Errno.EINVAL, () -> root.readlink("d"));
    assertErrno(Errno.EINVAL, () -> root.readlink("d/f"));
    root.symlink("loop2", "loop1");
    root.symlink("loop1", "loop2");
    root.symlink("self/x", "self");
    assertErrno(Errno.ELOOP, () -> root.stat("loop1"));
    assertErrno(Errno.ELOOP, () -> root.stat("self"));
    assertErrno(Errno.ELOOP, () -> root.create("loop1/f", 0644));
    assertEquals(
        FileMode.S_IFLNK, FileMode.type(root.lstat("loop1").getMode()), "lstat does not follow");
    root.symlink("missing", "dangling");
    assertErrno(Errno.ENOENT, () -> root.stat("dangling"));
  }

  @Test
  void symlinkTargetLimits() throws Exception {
    root.symlink("t".repeat(4095), "max");
    assertEquals(4095, root.lstat("max").getSize());
    assertErrno(Errno.ENAMETOOLONG, () -> root.symlink("t".repeat(4096), "long"));
    assertErrno(Errno.ENOENT, () -> root.symlink("", "empty"));
    assertErrno(Errno.EINVAL, () -> root.symlink(new byte[] {'a', 0}, "nul"));
    assertErrno(Errno.EEXIST, () -> root.symlink("x", "max"));
  }

  @Test
  void mkdirAndRmdirKeepDirectoryLinkCounts() throws Exception {
    assertEquals(2, root.stat("").getNlink());
    root.mkdir("a", 0755);
    root.mkdir("a/b", 0755);
    root.mkdir("a/c", 0755);
    root.create("a/f", 0644);
    assertEquals(3, root.stat("").getNlink());
    assertEquals(4, root.stat("a").getNlink(), "2 + two subdirectories; files do not count");
    root.rmdir("a/b");
    assertEquals(3, root.stat("a").getNlink());
  }

  @Test
  void rmdirErrnos() throws Exception {
    root.mkdir("a", 0755);
    root.mkdir("a/b", 0755);
    root.create("f", 0644);
    root.symlink("a", "la");
    assertErrno(Errno.ENOTEMPTY, () -> root.rmdir("a"));
    assertErrno(Errno.ENOTDIR, () -> root.rmdir("f"));
    assertErrno(Errno.ENOTDIR, () -> root.rmdir("la"));
    assertErrno(Errno.ENOENT, () -> root.rmdir("nope"));
    assertErrno(Errno.EBUSY, () -> root.rmdir(""));
    assertErrno(Errno.EINVAL, () -> root.rmdir("a/b/."));
    assertErrno(Errno.ENOTEMPTY, () -> root.rmdir("a/b/.."));
    root.rmdir("a/b");
    root.rmdir("a");
    assertEquals(List.of("f", "la"), root.names(""));
  }

  @Test
  void unlinkErrnos() throws Exception {
    root.mkdir("d", 0755);
    assertErrno(Errno.EISDIR, () -> root.unlink("d"));
    assertErrno(Errno.EISDIR, () -> root.unlink("d/."));
    assertErrno(Errno.EISDIR, () -> root.unlink("d/.."));
    assertErrno(Errno.EISDIR, () -> root.unlink(""));
    assertErrno(Errno.ENOENT, () -> root.unlink("nope"));
    root.symlink("d", "ld");
    root.unlink("ld");
    assertEquals(
        FileMode.S_IFDIR,
        FileMode.type(root.stat("d").getMode()),
        "the symlink goes, not its target");
  }

  @Test
  void hardLinksShareTheInode() throws Exception {
    root.mkdir("d", 0755);
    Attr f = root.create("f", 0644);
    long t = tick();
    Attr l = root.link("f", "d/g");
    assertEquals(f.getIno(), l.getIno());
    assertEquals(2, l.getNlink());
    assertEquals(t, l.getCtimeNs(), "link changes the inode's ctime");
    assertEquals(f.getMtimeNs(), l.getMtimeNs(), "but not its mtime");
    assertEquals(t, root.stat("d").getMtimeNs());
    t = tick();
    root.unlink("f");
    Attr g = root.stat("d/g");
    assertEquals(1, g.getNlink());
    assertEquals(t, g.getCtimeNs(), "unlink changes the surviving inode's ctime");
    long inodes = Long.MAX_VALUE - root.statfs().getFilesFree();
    root.unlink("d/g");
    h.keeperStep();
    assertEquals(
        inodes - 1, Long.MAX_VALUE - root.statfs().getFilesFree(), "the last link frees the inode");
  }

  @Test
  void linkErrnos() throws Exception {
    root.mkdir("d", 0755);
    root.create("f", 0644);
    root.symlink("f", "lf");
    assertErrno(Errno.EPERM, () -> root.link("d", "d2"));
    assertErrno(Errno.EEXIST, () -> root.link("f", "d"));
    assertErrno(Errno.EEXIST, () -> root.link("f", "f"));
    assertErrno(Errno.ENOENT, () -> root.link("nope", "x"));
    assertErrno(Errno.ENOENT, () -> root.link("f", "nope/x"));
    // link(2) does not follow a symlink: the new name is another link to the symlink
    assertEquals(root.lstat("lf").getIno(), root.link("lf", "lf2").getIno());
  }

  @Test
  void linkCountIsBounded() throws Exception {
    root.create("f", 0644);
    root.mkdir("many", 0755);
    int links = 1;
    for (; links < Limits.LINK_MAX; links++) {
      root.link("f", "many/" + links);
    }
    assertEquals(Limits.LINK_MAX, root.stat("f").getNlink());
    assertErrno(Errno.EMLINK, () -> root.link("f", "one-more"));
  }

  @Test
  void createAndRemoveChangeParentTimesOnly() throws Exception {
    Attr d0 = root.mkdir("d", 0755);
    long t = tick();
    Attr f = root.create("d/f", 0644);
    assertEquals(t, f.getAtimeNs());
    assertEquals(t, f.getMtimeNs());
    assertEquals(t, f.getCtimeNs());
    Attr d = root.stat("d");
    assertEquals(t, d.getMtimeNs());
    assertEquals(t, d.getCtimeNs());
    assertEquals(d0.getAtimeNs(), d.getAtimeNs());
    for (TestFs.Call op :
        List.<TestFs.Call>of(
            () -> root.mkdir("d/sub", 0755),
            () -> root.symlink("x", "d/l"),
            () -> root.mknod("d/p", FileMode.S_IFIFO | 0644, 0),
            () -> root.link("d/f", "d/f2"),
            () -> root.unlink("d/f2"),
            () -> root.rmdir("d/sub"))) {
      t = tick();
      op.run();
      assertEquals(t, root.stat("d").getMtimeNs());
      assertEquals(t, root.stat("d").getCtimeNs());
    }
    assertNotEquals(t, root.stat("").getMtimeNs(), "the grandparent is untouched");
  }

  @Test
  void accessChecksTheMaskForCallers() throws Exception {
    root.create("f", 0640);
    root.chown("f", 1000, SHARED_GID);
    root.create("noexec", 0644);
    alice.access("f", 4 | 2);
    bob.access("f", 4);
    bob.access("f", 0);
    assertErrno(Errno.EACCES, () -> bob.access("f", 2));
    assertErrno(Errno.EACCES, () -> root.as(2000, 2000).access("f", 4));
    root.access("f", 4 | 2);
    assertErrno(Errno.EACCES, () -> root.access("noexec", 1));
    assertErrno(Errno.ENOENT, () -> root.access("nope", 0));
    assertErrno(Errno.EINVAL, () -> root.access("f", 8));
    root.symlink("f", "lf");
    assertErrno(Errno.EACCES, () -> bob.access("lf", 2));
  }

  @Test
  void failedOpsLeaveNothingBehind() throws Exception {
    root.mkdir("d", 0755);
    byte[] before = h.store().digest().sha256();
    assertErrno(Errno.EEXIST, () -> root.mkdir("d", 0755));
    assertErrno(Errno.EINVAL, () -> root.rename("d", "d/x"));
    assertErrno(Errno.ENOENT, () -> root.unlink("d/x"));
    assertArrayEquals(before, h.store().digest().sha256());
  }
}
