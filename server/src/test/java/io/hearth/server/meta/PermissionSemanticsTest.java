package io.hearth.server.meta;

import static io.hearth.server.meta.TestFs.assertErrno;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.meta.Attr;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What ordinary users may do to directories: write+search, sticky bits, setgid inheritance. */
class PermissionSemanticsTest extends SemanticsBase {
  @Test
  void creatingAndRemovingNeedWriteAndSearchOnTheParent() throws Exception {
    root.mkdir("ro", 0755);
    root.create("ro/f", 0644);
    root.mkdir("ro/d", 0777);
    assertErrno(Errno.EACCES, () -> alice.create("ro/x", 0644));
    assertErrno(Errno.EACCES, () -> alice.mkdir("ro/x", 0755));
    assertErrno(Errno.EACCES, () -> alice.symlink("t", "ro/x"));
    assertErrno(Errno.EACCES, () -> alice.link("ro/f", "ro/x"));
    assertErrno(Errno.EACCES, () -> alice.unlink("ro/f"));
    assertErrno(Errno.EACCES, () -> alice.rmdir("ro/d"));
    assertErrno(Errno.EACCES, () -> alice.rename("ro/f", "ro/d/f"));
    assertErrno(Errno.ENOENT, () -> alice.unlink("ro/nope"), "a missing entry is ENOENT first");
    root.mkdir("wx", 0733);
    alice.create("wx/f", 0644);
    root.mkdir("noexec", 0776);
    assertErrno(Errno.EACCES, () -> alice.create("noexec/f", 0644));
    assertErrno(Errno.EACCES, () -> alice.stat("noexec/x"));
    assertErrno(Errno.EACCES, () -> alice.names("wx"));
  }

  @Test
  void stickyDirectoryProtectsOthersEntries() throws Exception {
    root.mkdir("tmp", 0777);
    root.chmod("tmp", 01777);
    alice.create("tmp/a", 0666);
    bob.create("tmp/b", 0666);
    bob.mkdir("tmp/bd", 0777);
    assertErrno(Errno.EPERM, () -> alice.unlink("tmp/b"));
    assertErrno(Errno.EPERM, () -> alice.rmdir("tmp/bd"));
    assertErrno(Errno.EPERM, () -> alice.rename("tmp/b", "tmp/mine"));
    assertErrno(
        Errno.EPERM, () -> alice.rename("tmp/a", "tmp/b"), "replacing bob's file is removing it");
    alice.rename("tmp/a", "tmp/a2");
    alice.unlink("tmp/a2");
    root.unlink("tmp/b");
    root.chown("tmp", 1000, 1000);
    alice.rmdir("tmp/bd");
    assertEquals(List.of(), root.names("tmp"), "the directory's owner may remove anything");
  }

  @Test
  void setgidDirectoryHandsDownItsGroup() throws Exception {
    root.mkdir("proj", 0777);
    root.chown("proj", 0, 4242);
    root.chmod("proj", 02777);
    Attr d = alice.mkdir("proj/d", 0755);
    assertEquals(4242, d.getGid());
    assertEquals(FileMode.S_IFDIR | 02755, d.getMode(), "new directories inherit setgid");
    Attr f = alice.create("proj/d/f", 02755);
    assertEquals(4242, f.getGid());
    assertEquals(0755, f.getMode() & 07777, "setgid for a group alice is not in is dropped");
    world("w");
    assertEquals(1000, alice.create("w/f", 0644).getGid(), "outside: the caller's group");
  }

  @Test
  void movingADirectoryToAnotherParentNeedsWriteOnIt() throws Exception {
    world("p");
    world("q");
    root.mkdir("p/d", 0755);
    root.create("p/f", 0644);
    assertErrno(Errno.EACCES, () -> alice.rename("p/d", "q/d"), "its .. would change");
    alice.rename("p/d", "p/d2");
    alice.rename("p/f", "q/f");
    assertEquals(List.of("d2"), root.names("p"));
  }

  @Test
  void rootPassesPermissionBits() throws Exception {
    root.mkdir("locked", 0);
    root.create("locked/f", 0);
    root.access("locked/f", 4 | 2);
    root.unlink("locked/f");
  }
}
