package io.hearth.server.meta;

import static io.hearth.server.meta.TestFs.assertErrno;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.hearth.protocol.Errno;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.Extent;
import io.hearth.protocol.meta.LinkReq;
import io.hearth.protocol.meta.MetaRequest;
import org.junit.jupiter.api.Test;

/**
 * Orphans: a regular file whose last name goes keeps its inode and contents (nlink 0) until the
 * meta leader finds that no session holds it open (SessionLockSemanticsTest has the sessions); it
 * can be read and written by inode meanwhile, never linked again. Other inodes go at once.
 */
class OrphanSemanticsTest extends SemanticsBase {
  private Extent bytes(String s) {
    return Extent.newBuilder()
        .setFileOff(0)
        .setLen(s.length())
        .setInline(ByteString.copyFromUtf8(s))
        .build();
  }

  @Test
  void aFileOutlivesItsLastNameUntilTheKeeperReapsIt() throws Exception {
    Attr f = root.create("/f", 0644);
    root.write("/f", bytes("kept"));
    root.unlink("/f");
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
                        LinkReq.newBuilder()
                            .setTarget(TestFs.locAt(f.getIno(), ""))
                            .setLink(TestFs.loc("/relinked")))),
        "an orphan is not linked again");
    h.keeperStep();
    assertErrno(Errno.ENOENT, () -> root.stat(TestFs.locAt(f.getIno(), ""), false), "gone");
    h.keeperStep(); // nothing left to do
  }

  @Test
  void aFileWithOtherNamesAndOtherInodesAreNoOrphans() throws Exception {
    Attr g = root.create("/g", 0644);
    root.link("/g", "/g2");
    root.unlink("/g");
    h.keeperStep();
    assertEquals(1, root.stat("/g2").getNlink(), "one name left: no orphan");
    assertEquals(g.getIno(), root.stat("/g2").getIno());
    Attr d = root.mkdir("/d", 0755);
    root.rmdir("/d");
    assertErrno(Errno.ENOENT, () -> root.stat(TestFs.locAt(d.getIno(), ""), false));
    Attr l = root.symlink("/x", "/l");
    root.unlink("/l");
    assertErrno(Errno.ENOENT, () -> root.stat(TestFs.locAt(l.getIno(), ""), false));
  }

  @Test
  void aTargetReplacedByRenameIsAnOrphanToo() throws Exception {
    root.create("/src", 0644);
    Attr dst = root.create("/dst", 0644);
    root.rename("/src", "/dst");
    assertEquals(0, root.stat(TestFs.locAt(dst.getIno(), ""), false).getNlink());
    h.keeperStep();
    assertErrno(Errno.ENOENT, () -> root.stat(TestFs.locAt(dst.getIno(), ""), false));
  }
}
