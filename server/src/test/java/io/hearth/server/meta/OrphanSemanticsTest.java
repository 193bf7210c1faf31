package io.hearth.server.meta;

import static io.hearth.server.meta.TestFs.assertErrno;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.hearth.protocol.Errno;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.Extent;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.ReleaseOrphanReq;
import io.hearth.protocol.meta.RenameReq;
import io.hearth.protocol.meta.UnlinkReq;
import org.junit.jupiter.api.Test;

/**
 * Orphans: a file whose last name goes while its holder has it open keeps its inode and contents
 * (nlink 0) until the holder releases it.
 */
class OrphanSemanticsTest extends SemanticsBase {
  private static final ByteString HOLDER = ByteString.copyFromUtf8("client-1");

  private void unlinkHeld(String path) throws Exception {
    root.send(
        MetaRequest.newBuilder()
            .setUnlink(UnlinkReq.newBuilder().setLoc(TestFs.loc(path)).setHolder(HOLDER)));
  }

  private void release(long ino) throws Exception {
    root.send(MetaRequest.newBuilder().setReleaseOrphan(ReleaseOrphanReq.newBuilder().setIno(ino)));
  }

  private Extent bytes(String s) {
    return Extent.newBuilder()
        .setFileOff(0)
        .setLen(s.length())
        .setInline(ByteString.copyFromUtf8(s))
        .build();
  }

  @Test
  void aHeldFileOutlivesItsLastNameUntilReleased() throws Exception {
    Attr f = root.create("/f", 0644);
    root.write("/f", bytes("kept"));
    unlinkHeld("/f");
    assertErrno(Errno.ENOENT, () -> root.stat("/f"), "no name");
    Attr orphan = root.stat(TestFs.locAt(f.getIno(), ""), false);
    assertEquals(0, orphan.getNlink());
    assertEquals(4, orphan.getSize());
    assertEquals(1, root.readMap(TestFs.locAt(f.getIno(), ""), 0, 100, 0).getExtentsCount());
    root.write(TestFs.locAt(f.getIno(), ""), java.util.List.of(bytes("more")));
    assertErrno(
        Errno.ENOENT,
        () ->
            root.send(
                MetaRequest.newBuilder()
                    .setLink(
                        io.hearth.protocol.meta.LinkReq.newBuilder()
                            .setTarget(TestFs.locAt(f.getIno(), ""))
                            .setLink(TestFs.loc("/relinked")))),
        "an orphan is not linked again");
    release(f.getIno());
    assertErrno(Errno.ENOENT, () -> root.stat(TestFs.locAt(f.getIno(), ""), false), "gone");
    release(f.getIno()); // idempotent
  }

  @Test
  void anUnheldUnlinkAndAFileWithOtherNamesAreAsBefore() throws Exception {
    Attr f = root.create("/f", 0644);
    root.unlink("/f");
    assertErrno(Errno.ENOENT, () -> root.stat(TestFs.locAt(f.getIno(), ""), false));
    Attr g = root.create("/g", 0644);
    root.link("/g", "/g2");
    unlinkHeld("/g");
    assertEquals(1, root.stat("/g2").getNlink(), "one name left: no orphan");
    release(g.getIno());
    assertEquals(
        1, root.stat("/g2").getNlink(), "a release of a file that is no orphan does nothing");
  }

  @Test
  void aHeldTargetReplacedByRenameIsKept() throws Exception {
    root.create("/src", 0644);
    Attr dst = root.create("/dst", 0644);
    root.send(
        MetaRequest.newBuilder()
            .setRename(
                RenameReq.newBuilder()
                    .setFrom(TestFs.loc("/src"))
                    .setTo(TestFs.loc("/dst"))
                    .setHolder(HOLDER)));
    assertEquals(0, root.stat(TestFs.locAt(dst.getIno(), ""), false).getNlink());
    release(dst.getIno());
    assertErrno(Errno.ENOENT, () -> root.stat(TestFs.locAt(dst.getIno(), ""), false));
  }
}
