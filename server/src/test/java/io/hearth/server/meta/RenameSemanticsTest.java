package io.hearth.server.meta;

import static io.hearth.server.meta.TestFs.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.meta.Attr;
import java.util.List;
import org.junit.jupiter.api.Test;

/** rename and renameat2: replacement rules, flags, cycles, link counts and times. */
class RenameSemanticsTest extends SemanticsBase {
  static final int NOREPLACE = 1;
  static final int EXCHANGE = 2;

  @Test
  void renameMovesAndReplacesFiles() throws Exception {
    Attr a = root.create("a", 0644);
    root.create("b", 0600);
    root.mkdir("d", 0755);
    root.rename("a", "d/a2");
    assertEquals(a.getIno(), root.stat("d/a2").getIno());
    long inodes = root.statfs().getFilesFree();
    root.rename("d/a2", "b");
    h.keeperStep();
    assertEquals(a.getIno(), root.stat("b").getIno());
    assertEquals(0644, root.stat("b").getMode() & 07777);
    assertEquals(inodes + 1, root.statfs().getFilesFree(), "the replaced file is gone");
    assertEquals(List.of("b", "d"), root.names(""));
    assertEquals(List.of(), root.names("d"));
  }

  @Test
  void renameReplacesEmptyDirectoriesOnly() throws Exception {
    root.mkdir("a", 0755);
    root.mkdir("a/sub", 0755);
    root.mkdir("b", 0755);
    root.mkdir("full", 0755);
    root.create("full/f", 0644);
    assertErrno(Errno.ENOTEMPTY, () -> root.rename("a", "full"));
    root.rename("a", "b");
    assertEquals(List.of("b", "full"), root.names(""));
    assertEquals(List.of("sub"), root.names("b"));
    assertEquals(4, root.stat("").getNlink(), "root: 2 + b + full");
  }

  @Test
  void typeMismatchErrnos() throws Exception {
    root.create("f", 0644);
    root.mkdir("d", 0755);
    assertErrno(Errno.EISDIR, () -> root.rename("f", "d"));
    assertErrno(Errno.ENOTDIR, () -> root.rename("d", "f"));
    assertErrno(Errno.ENOENT, () -> root.rename("nope", "x"));
    assertErrno(Errno.ENOENT, () -> root.rename("f", "nope/x"));
    assertErrno(Errno.ENOTDIR, () -> root.rename("f", "f/x"));
  }

  @Test
  void directoryCannotMoveBelowItself() throws Exception {
    root.mkdir("a", 0755);
    root.mkdir("a/b", 0755);
    root.mkdir("a/b/c", 0755);
    assertErrno(Errno.EINVAL, () -> root.rename("a", "a/x"));
    assertErrno(Errno.EINVAL, () -> root.rename("a", "a/b/c/x"));
    assertErrno(Errno.EINVAL, () -> root.rename("a/b", "a/b/c"));
    // the target is an ancestor of the source, so it cannot be empty
    assertErrno(Errno.ENOTEMPTY, () -> root.rename("a/b/c", "a"));
    assertErrno(Errno.EINVAL, () -> root.rename("a/b/c", "a", EXCHANGE));
    assertErrno(Errno.EINVAL, () -> root.rename("a", "a/b", EXCHANGE));
    root.rename("a/b/c", "c");
    assertEquals(List.of("a", "c"), root.names(""));
  }

  @Test
  void dotAndDotDotAreBusy() throws Exception {
    root.mkdir("a", 0755);
    root.mkdir("a/b", 0755);
    assertErrno(Errno.EBUSY, () -> root.rename("a/b/.", "x"));
    assertErrno(Errno.EBUSY, () -> root.rename("a/b/..", "x"));
    assertErrno(Errno.EBUSY, () -> root.rename("x", "a/b/."));
    assertErrno(Errno.EBUSY, () -> root.rename("a/b", "a/."));
    assertErrno(Errno.EEXIST, () -> root.rename("a/b", "a/..", NOREPLACE));
    assertErrno(Errno.EBUSY, () -> root.rename("", "x"));
    assertErrno(Errno.EBUSY, () -> root.rename("a", ""));
  }

  @Test
  void renameOntoItselfOrAnotherLinkIsANoOp() throws Exception {
    root.create("f", 0644);
    root.link("f", "g");
    root.mkdir("d", 0755);
    byte[] before = h.store().digest().sha256();
    tick();
    root.rename("f", "f");
    root.rename("f", "g");
    root.rename("d", "d");
    root.rename("f", "g", EXCHANGE);
    assertArrayEquals(before, h.store().digest().sha256(), "nothing changed, not even times");
    assertEquals(List.of("d", "f", "g"), root.names(""));
    assertErrno(Errno.EEXIST, () -> root.rename("f", "f", NOREPLACE));
  }

  @Test
  void flags() throws Exception {
    root.create("a", 0644);
    root.create("b", 0644);
    assertErrno(Errno.EEXIST, () -> root.rename("a", "b", NOREPLACE));
    root.rename("a", "c", NOREPLACE);
    assertErrno(Errno.ENOENT, () -> root.rename("c", "nope", EXCHANGE));
    assertErrno(Errno.EINVAL, () -> root.rename("c", "b", NOREPLACE | EXCHANGE));
    assertErrno(Errno.EINVAL, () -> root.rename("c", "b", 4));
  }

  @Test
  void exchangeSwapsFileAndDirectoryAcrossParents() throws Exception {
    root.mkdir("p", 0755);
    root.mkdir("q", 0755);
    Attr f = root.create("p/f", 0644);
    Attr d = root.mkdir("q/d", 0755);
    root.create("q/d/inner", 0644);
    long t = tick();
    root.rename("p/f", "q/d", EXCHANGE);
    assertEquals(d.getIno(), root.stat("p/f").getIno());
    assertEquals(f.getIno(), root.stat("q/d").getIno());
    assertEquals(List.of("inner"), root.names("p/f"));
    assertEquals(3, root.stat("p").getNlink(), "p gained the directory");
    assertEquals(2, root.stat("q").getNlink(), "q lost it");
    assertEquals(
        root.stat("p").getIno(), root.stat("p/f/..").getIno(), "the moved directory's .. follows");
    for (String p : List.of("p", "q")) {
      assertEquals(t, root.stat(p).getMtimeNs());
      assertEquals(t, root.stat(p).getCtimeNs());
    }
    assertEquals(t, root.stat("p/f").getCtimeNs());
    assertEquals(t, root.stat("q/d").getCtimeNs());
  }

  @Test
  void exchangeNeedsNoEmptyTarget() throws Exception {
    root.mkdir("a", 0755);
    root.mkdir("b", 0755);
    root.create("a/x", 0644);
    root.create("b/y", 0644);
    root.rename("a", "b", EXCHANGE);
    assertEquals(List.of("y"), root.names("a"));
    assertEquals(List.of("x"), root.names("b"));
  }

  @Test
  void directoryMoveCarriesItsLinkAndTimes() throws Exception {
    root.mkdir("p", 0755);
    root.mkdir("q", 0755);
    Attr d = root.mkdir("p/d", 0755);
    root.mkdir("q/empty", 0755);
    assertEquals(3, root.stat("p").getNlink());
    long t = tick();
    root.rename("p/d", "q/d");
    assertEquals(2, root.stat("p").getNlink());
    assertEquals(4, root.stat("q").getNlink());
    assertEquals(root.stat("q").getIno(), root.stat("q/d/..").getIno());
    Attr moved = root.stat("q/d");
    assertEquals(t, moved.getCtimeNs(), "rename changes the moved inode's ctime");
    assertEquals(d.getMtimeNs(), moved.getMtimeNs(), "but not its mtime");
    assertEquals(t, root.stat("p").getMtimeNs());
    assertEquals(t, root.stat("q").getCtimeNs());
    root.rename("q/d", "q/empty");
    assertEquals(
        3, root.stat("q").getNlink(), "replacing a directory drops the replaced one's link");
    root.rename("q/empty", "p/x");
    assertEquals(3, root.stat("p").getNlink());
    assertEquals(2, root.stat("q").getNlink());
  }

  @Test
  void replacedFileKeepsOtherLinksAndGetsCtime() throws Exception {
    root.create("a", 0644);
    root.create("b", 0644);
    root.link("b", "b2");
    long t = tick();
    root.rename("a", "b");
    Attr b2 = root.stat("b2");
    assertEquals(1, b2.getNlink());
    assertEquals(t, b2.getCtimeNs());
  }

  @Test
  void symlinksAreRenamedNotFollowed() throws Exception {
    root.mkdir("d", 0755);
    root.symlink("d", "l");
    root.rename("l", "l2");
    assertEquals(FileMode.S_IFLNK, FileMode.type(root.lstat("l2").getMode()));
    assertEquals(List.of("d", "l2"), root.names(""));
    root.symlink("d", "l3");
    root.rename("l2", "l3");
    assertEquals(List.of("d", "l3"), root.names(""));
  }
}
