package io.hearth.server.meta;

import static io.hearth.server.meta.TestFs.assertErrno;
import static io.hearth.server.meta.TestFs.loc;
import static io.hearth.server.meta.TestFs.time;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.Extent;
import io.hearth.protocol.meta.SetattrReq;
import io.hearth.protocol.meta.TimeHow;
import org.junit.jupiter.api.Test;

/** chmod, chown, truncate and utimens: who may, what changes, and which times move. */
class SetattrSemanticsTest extends SemanticsBase {
  @Test
  void chmodIsForOwnerOrRoot() throws Exception {
    world("w");
    alice.create("w/f", 0644);
    long t = tick();
    Attr a = alice.chmod("w/f", 0600);
    assertEquals(FileMode.S_IFREG | 0600, a.getMode());
    assertEquals(t, a.getCtimeNs());
    assertEquals(t - STEP_NS, a.getMtimeNs(), "chmod does not change mtime");
    assertErrno(Errno.EPERM, () -> bob.chmod("w/f", 0666));
    assertEquals(FileMode.S_IFREG | 04755, root.chmod("w/f", 04755).getMode());
  }

  /** The kernel drops setuid after a write by someone else with a chmod made as the writer. */
  @Test
  void whoMayWriteAFileMayDropItsSetIdBits() throws Exception {
    world("w");
    alice.create("w/f", 06766);
    assertErrno(Errno.EPERM, () -> bob.chmod("w/f", 06767), "adding a bit is the owner's");
    assertErrno(Errno.EPERM, () -> bob.chmod("w/f", 06760), "so is taking another bit away");
    assertEquals(02766, bob.chmod("w/f", 02766).getMode() & 07777, "a lock mark setgid stays");
    alice.chmod("w/f", 06764);
    assertErrno(Errno.EACCES, () -> bob.chmod("w/f", 0764), "only who may write the file");
  }

  @Test
  void chmodBySomeoneOutsideTheGroupDropsSetgid() throws Exception {
    world("w");
    alice.create("w/f", 0644);
    assertEquals(02755, alice.chmod("w/f", 02755).getMode() & 07777, "alice is in her own group");
    root.chown("w/f", -1, 4242);
    assertEquals(0755, alice.chmod("w/f", 02755).getMode() & 07777, "not a member of 4242");
    assertEquals(02755, root.chmod("w/f", 02755).getMode() & 07777);
  }

  @Test
  void chownRules() throws Exception {
    world("w");
    alice.create("w/f", 0644);
    assertErrno(Errno.EPERM, () -> alice.chown("w/f", 1001, -1));
    assertEquals(1000, alice.chown("w/f", 1000, -1).getUid(), "chown to oneself is allowed");
    assertEquals(SHARED_GID, alice.chown("w/f", -1, SHARED_GID).getGid());
    assertErrno(Errno.EPERM, () -> alice.chown("w/f", -1, 4242));
    assertErrno(Errno.EPERM, () -> bob.chown("w/f", -1, SHARED_GID));
    Attr a = root.chown("w/f", 1001, 1001);
    assertEquals(1001, a.getUid());
    assertEquals(1001, a.getGid());
  }

  @Test
  void chownClearsSetIdBitsOfNonDirectories() throws Exception {
    root.create("x", 06755);
    assertEquals(
        0755, root.chown("x", 1000, -1).getMode() & 07777, "setgid with group-exec goes too");
    root.create("y", 06745);
    assertEquals(
        02745, root.chown("y", -1, 5).getMode() & 07777, "setgid without group-exec stays");
    root.mkdir("d", 0755);
    root.chmod("d", 06755);
    assertEquals(06755, root.chown("d", 1000, 1000).getMode() & 07777, "directories keep them");
  }

  @Test
  void aWriteOrTruncateByAnyoneButRootDropsSetIdBits() throws Exception {
    world("w");
    root.create("w/prog", 06777);
    Extent x =
        Extent.newBuilder()
            .setLen(1)
            .setInline(com.google.protobuf.ByteString.copyFromUtf8("x"))
            .build();
    assertEquals(06777, root.write("w/prog", x).getMode() & 07777, "root keeps them");
    assertEquals(0777, bob.write("w/prog", x).getMode() & 07777, "anyone else drops them");
    root.chmod("w/prog", 06767); // setgid without group-exec: a lock mark, kept
    assertEquals(02767, bob.truncate("w/prog", 0).getMode() & 07777);
  }

  @Test
  void truncateChangesSizeAndTimes() throws Exception {
    world("w");
    alice.create("w/f", 0644);
    long t = tick();
    Attr a = alice.truncate("w/f", 4096);
    assertEquals(4096, a.getSize());
    assertEquals(t, a.getMtimeNs());
    assertEquals(t, a.getCtimeNs());
    long t2 = tick();
    a = alice.truncate("w/f", 4096);
    assertEquals(t, a.getMtimeNs(), "same size: mtime stays");
    assertEquals(t2, a.getCtimeNs());
    assertErrno(Errno.EACCES, () -> bob.truncate("w/f", 0));
    alice.create("w/g", 0); // as open(O_CREAT|O_RDWR, 0) then ftruncate: checked at the open
    assertEquals(
        7,
        alice
            .setattr(
                SetattrReq.newBuilder()
                    .setLoc(loc("w/g"))
                    .setSize(7)
                    .setThroughWritableHandle(true))
            .getSize());
    alice.chmod("w/f", 0666);
    assertEquals(0, bob.truncate("w/f", 0).getSize(), "write permission is enough");
    assertErrno(Errno.EISDIR, () -> root.truncate("w", 0));
    root.mknod("w/p", FileMode.S_IFIFO | 0666, 0);
    assertErrno(Errno.EINVAL, () -> root.truncate("w/p", 0));
    assertErrno(Errno.EFBIG, () -> root.truncate("w/f", -1));
  }

  @Test
  void utimensRules() throws Exception {
    world("w");
    alice.create("w/f", 0666);
    long t = tick();
    Attr a = alice.utimens("w/f", time(TimeHow.TIME_SET, 5), time(TimeHow.TIME_SET, 7));
    assertEquals(5, a.getAtimeNs());
    assertEquals(7, a.getMtimeNs());
    assertEquals(t, a.getCtimeNs());
    assertErrno(
        Errno.EPERM,
        () -> bob.utimens("w/f", time(TimeHow.TIME_SET, 1), time(TimeHow.TIME_OMIT, 0)));
    assertErrno(
        Errno.EPERM,
        () -> bob.utimens("w/f", time(TimeHow.TIME_NOW, 0), time(TimeHow.TIME_OMIT, 0)));
    t = tick();
    a = bob.utimens("w/f", time(TimeHow.TIME_NOW, 0), time(TimeHow.TIME_NOW, 0));
    assertEquals(t, a.getAtimeNs(), "touch needs only write permission");
    assertEquals(t, a.getMtimeNs());
    alice.chmod("w/f", 0644);
    assertErrno(
        Errno.EACCES,
        () -> bob.utimens("w/f", time(TimeHow.TIME_NOW, 0), time(TimeHow.TIME_NOW, 0)));
    a = alice.utimens("w/f", time(TimeHow.TIME_OMIT, 0), time(TimeHow.TIME_SET, 99));
    assertEquals(t, a.getAtimeNs(), "OMIT leaves atime");
    assertEquals(99, a.getMtimeNs());
    tick();
    Attr same = bob.utimens("w/f", time(TimeHow.TIME_OMIT, 0), time(TimeHow.TIME_OMIT, 0));
    assertEquals(a, same, "both OMIT changes nothing, not even ctime, and needs no permission");
  }

  @Test
  void followDecidesWhetherASymlinkOrItsTargetChanges() throws Exception {
    root.create("f", 0644);
    root.symlink("f", "l");
    root.setattr(SetattrReq.newBuilder().setLoc(loc("l")).setFollow(true).setMode(0600));
    assertEquals(0600, root.stat("f").getMode() & 07777);
    root.setattr(SetattrReq.newBuilder().setLoc(loc("l")).setFollow(false).setUid(1000));
    assertEquals(1000, root.lstat("l").getUid());
    assertEquals(0, root.stat("f").getUid());
  }
}
