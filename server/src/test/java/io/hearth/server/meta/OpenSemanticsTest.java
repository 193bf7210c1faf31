package io.hearth.server.meta;

import static io.hearth.protocol.posix.OpenRule.O_CREAT;
import static io.hearth.protocol.posix.OpenRule.O_DIRECTORY;
import static io.hearth.protocol.posix.OpenRule.O_EXCL;
import static io.hearth.protocol.posix.OpenRule.O_NOFOLLOW;
import static io.hearth.protocol.posix.OpenRule.O_RDONLY;
import static io.hearth.protocol.posix.OpenRule.O_RDWR;
import static io.hearth.protocol.posix.OpenRule.O_TRUNC;
import static io.hearth.protocol.posix.OpenRule.O_WRONLY;
import static io.hearth.server.meta.TestFs.assertErrno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.Extent;
import io.hearth.protocol.meta.OpenReply;
import org.junit.jupiter.api.Test;

/** open(2) as one request: lookup, O_CREAT, O_EXCL, may_open and O_TRUNC, as Linux answers. */
class OpenSemanticsTest extends SemanticsBase {

  private Extent inline(long off, String bytes) {
    return Extent.newBuilder()
        .setFileOff(off)
        .setLen(bytes.length())
        .setInline(ByteString.copyFromUtf8(bytes))
        .build();
  }

  @Test
  void createMakesAFileOwnedByTheCallerAndOpensItWhateverItsMode() throws Exception {
    world("/w");
    OpenReply r = alice.open("/w/f", O_CREAT | O_WRONLY, 0);
    assertTrue(r.getCreated());
    assertEquals(FileMode.S_IFREG, FileMode.type(r.getAttr().getMode()));
    assertEquals(0, r.getAttr().getMode() & 07777);
    assertEquals(1000, r.getAttr().getUid());
    assertErrno(Errno.EACCES, () -> alice.open("/w/f", O_WRONLY, 0), "mode 0: only at creation");
    assertErrno(
        Errno.EACCES,
        () -> alice.open("/w/f", O_CREAT | O_RDONLY, 0644),
        "existing: checked like any open");
    alice.chmod("/w/f", 0644);
    OpenReply again = alice.open("/w/f", O_CREAT | O_RDONLY, 0644);
    assertFalse(again.getCreated(), "exists: opened, not created");
    assertEquals(r.getAttr().getIno(), again.getAttr().getIno());
  }

  @Test
  void exclusiveCreateFailsOnAnyExistingName() throws Exception {
    root.create("/f", 0644);
    root.symlink("/nowhere", "/dangling");
    assertErrno(Errno.EEXIST, () -> root.open("/f", O_CREAT | O_EXCL | O_WRONLY, 0644));
    assertErrno(
        Errno.EEXIST,
        () -> root.open("/dangling", O_CREAT | O_EXCL | O_WRONLY, 0644),
        "O_EXCL does not follow a symlink");
    assertErrno(Errno.ENOENT, () -> root.stat("/nowhere"));
  }

  @Test
  void createThroughADanglingSymlinkCreatesItsTarget() throws Exception {
    root.symlink("target", "/link");
    OpenReply r = root.open("/link", O_CREAT | O_WRONLY, 0600);
    assertTrue(r.getCreated());
    assertEquals(r.getAttr().getIno(), root.stat("/target").getIno());
  }

  @Test
  void createNeedsWriteAndSearchOnTheParent() throws Exception {
    root.mkdir("/ro", 0755);
    assertErrno(Errno.EACCES, () -> alice.open("/ro/f", O_CREAT | O_WRONLY, 0644));
    assertErrno(Errno.ENOENT, () -> alice.open("/nodir/f", O_CREAT | O_WRONLY, 0644));
    assertErrno(Errno.ENOENT, () -> alice.open("/ro/missing", O_RDONLY, 0));
  }

  @Test
  void mayOpenChecksTheAccessModeAndTheType() throws Exception {
    world("/w");
    alice.create("/w/mine", 0640);
    assertErrno(Errno.EACCES, () -> bob.open("/w/mine", O_RDONLY, 0), "bob is in no group of it");
    root.mkdir("/d", 0755);
    assertErrno(Errno.EISDIR, () -> root.open("/d", O_WRONLY, 0));
    assertErrno(Errno.EISDIR, () -> root.open("/d", O_CREAT | O_RDONLY, 0644));
    assertEquals(
        root.stat("/d").getIno(), root.open("/d", O_RDONLY | O_DIRECTORY, 0).getAttr().getIno());
    assertErrno(Errno.ENOTDIR, () -> alice.open("/w/mine", O_RDONLY | O_DIRECTORY, 0));
    root.symlink("/w/mine", "/w/link");
    assertErrno(Errno.ELOOP, () -> alice.open("/w/link", O_RDONLY | O_NOFOLLOW, 0));
    assertErrno(Errno.EINVAL, () -> alice.open("/w/mine", 3, 0), "access mode 3");
    assertEquals(
        alice.stat("/w/mine").getIno(), alice.open("/w/link", O_RDWR, 0).getAttr().getIno());
  }

  @Test
  void truncateEmptiesAnExistingFileInTheSameStep() throws Exception {
    world("/w");
    alice.create("/w/f", 06755);
    alice.chmod("/w/f", 06755);
    alice.write("/w/f", inline(0, "some bytes"));
    long before = h.nowNs();
    tick();
    OpenReply r = alice.open("/w/f", O_TRUNC | O_WRONLY, 0);
    Attr a = r.getAttr();
    assertEquals(0, a.getSize());
    assertTrue(a.getMtimeNs() > before && a.getCtimeNs() > before, "times move");
    assertEquals(0755, a.getMode() & 07777, "a truncate by anyone but root drops setuid/setgid");
    assertEquals(0, root.readMap("/w/f", 0, 1 << 20).getExtentsCount(), "the bytes are gone");
    assertErrno(Errno.EACCES, () -> bob.open("/w/f", O_TRUNC | O_RDONLY, 0), "O_TRUNC needs W");
  }

  @Test
  void openWithoutCreateOrTruncateIsARead() throws Exception {
    root.create("/f", 0644);
    assertTrue(h.ops().isReadOnly(openRequest(O_RDWR)));
    assertFalse(h.ops().isReadOnly(openRequest(O_RDWR | O_TRUNC)));
    assertFalse(h.ops().isReadOnly(openRequest(O_CREAT | O_WRONLY)));
  }

  private static io.hearth.protocol.meta.MetaRequest openRequest(int flags) {
    return io.hearth.protocol.meta.MetaRequest.newBuilder()
        .setOpen(
            io.hearth.protocol.meta.OpenReq.newBuilder().setLoc(TestFs.loc("/f")).setFlags(flags))
        .build();
  }
}
