package io.hearth.server.meta;

import static io.hearth.server.meta.TestFs.assertErrno;
import static io.hearth.server.meta.TestFs.loc;
import static io.hearth.server.meta.TestFs.locAt;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.Limits;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.SetxattrReq;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Extended attributes: namespaces, flags, limits, permissions and ctime. */
class XattrSemanticsTest extends SemanticsBase {
  static final int CREATE = 1;
  static final int REPLACE = 2;
  static final byte[] V = "v".getBytes(StandardCharsets.UTF_8);

  @Test
  void setGetListRemove() throws Exception {
    root.create("f", 0644);
    long t = tick();
    root.setxattr("f", "user.b", V, 0);
    assertEquals(t, root.stat("f").getCtimeNs());
    root.setxattr("f", "user.a", new byte[0], 0);
    root.setxattr("f", "trusted.t", V, 0);
    assertArrayEquals(V, root.getxattr("f", "user.b"));
    assertArrayEquals(new byte[0], root.getxattr("f", "user.a"));
    assertEquals(List.of("trusted.t", "user.a", "user.b"), root.listxattr(loc("f")));
    t = tick();
    root.removexattr("f", "user.b");
    assertEquals(t, root.stat("f").getCtimeNs());
    assertErrno(Errno.ENODATA, () -> root.getxattr("f", "user.b"));
    assertErrno(Errno.ENODATA, () -> root.removexattr("f", "user.b"));
  }

  @Test
  void createAndReplaceFlags() throws Exception {
    root.create("f", 0644);
    assertErrno(Errno.ENODATA, () -> root.setxattr("f", "user.x", V, REPLACE));
    root.setxattr("f", "user.x", V, CREATE);
    assertErrno(Errno.EEXIST, () -> root.setxattr("f", "user.x", V, CREATE));
    root.setxattr("f", "user.x", new byte[] {1, 2}, REPLACE);
    assertArrayEquals(new byte[] {1, 2}, root.getxattr("f", "user.x"));
    assertErrno(Errno.EINVAL, () -> root.setxattr("f", "user.x", V, 4));
  }

  @Test
  void namesAndSizes() throws Exception {
    root.create("f", 0644);
    assertErrno(Errno.EOPNOTSUPP, () -> root.setxattr("f", "security.selinux", V, 0));
    assertErrno(Errno.EOPNOTSUPP, () -> root.getxattr("f", "system.posix_acl_access"));
    assertErrno(Errno.EOPNOTSUPP, () -> root.setxattr("f", "plain", V, 0));
    assertErrno(Errno.EINVAL, () -> root.setxattr("f", "user.", V, 0));
    assertErrno(Errno.ERANGE, () -> root.setxattr("f", "", V, 0));
    String n255 = "user." + "n".repeat(250);
    root.setxattr("f", n255, V, 0);
    assertErrno(Errno.ERANGE, () -> root.setxattr("f", n255 + "n", V, 0));
    assertErrno(Errno.ERANGE, () -> root.getxattr("f", n255 + "n"));
    root.setxattr("f", "user.max", new byte[Limits.XATTR_VALUE_MAX_BYTES], 0);
    assertErrno(
        Errno.E2BIG,
        () -> root.setxattr("f", "user.big", new byte[Limits.XATTR_VALUE_MAX_BYTES + 1], 0));
  }

  @Test
  void perInodeTotalIsBounded() throws Exception {
    root.create("f", 0644);
    byte[] big = new byte[Limits.XATTR_VALUE_MAX_BYTES];
    int i = 0;
    long used = 0;
    while (used + 7 + big.length <= Limits.XATTR_TOTAL_MAX_BYTES) {
      String name = "user.%02d".formatted(i++);
      root.setxattr("f", name, big, 0);
      used += name.length() + big.length;
    }
    assertErrno(Errno.ENOSPC, () -> root.setxattr("f", "user.zz", big, 0));
    root.setxattr("f", "user.00", new byte[1], REPLACE);
    root.setxattr("f", "user.zz", new byte[1000], 0);
    root.create("g", 0644);
    root.setxattr("g", "user.other", big, 0);
  }

  @Test
  void userNamespaceOnlyOnFilesAndDirectories() throws Exception {
    root.mkdir("d", 0755);
    root.setxattr("d", "user.ok", V, 0);
    root.symlink("d", "l");
    root.mknod("p", FileMode.S_IFIFO | 0666, 0);
    long link = root.lstat("l").getIno();
    // a Loc naming the symlink itself, as FUSE passes it
    assertErrno(
        Errno.EPERM,
        () ->
            root.send(
                MetaRequest.newBuilder()
                    .setSetxattr(
                        SetxattrReq.newBuilder()
                            .setLoc(locAt(link, ""))
                            .setName(ByteString.copyFromUtf8("user.x")))));
    assertErrno(Errno.EPERM, () -> root.setxattr("p", "user.x", V, 0));
    assertErrno(Errno.ENODATA, () -> root.getxattr("p", "user.x"));
    root.setxattr("p", "trusted.x", V, 0);
    assertArrayEquals(V, root.getxattr("l", "user.ok"), "a path follows the symlink");
  }

  @Test
  void permissions() throws Exception {
    world("w");
    alice.create("w/f", 0644);
    alice.setxattr("w/f", "user.a", V, 0);
    assertErrno(Errno.EACCES, () -> bob.setxattr("w/f", "user.b", V, 0));
    assertErrno(Errno.EACCES, () -> bob.removexattr("w/f", "user.a"));
    assertArrayEquals(V, bob.getxattr("w/f", "user.a"));
    alice.chmod("w/f", 0600);
    assertErrno(Errno.EACCES, () -> bob.getxattr("w/f", "user.a"));
    assertEquals(List.of("user.a"), bob.listxattr(loc("w/f")), "listing needs no permission");
    alice.chmod("w/f", 0666);
    bob.setxattr("w/f", "user.b", V, 0);
    assertErrno(Errno.EPERM, () -> alice.setxattr("w/f", "trusted.t", V, 0));
    root.setxattr("w/f", "trusted.t", V, 0);
    assertErrno(Errno.ENODATA, () -> alice.getxattr("w/f", "trusted.t"));
    assertEquals(List.of("user.a", "user.b"), alice.listxattr(loc("w/f")), "trusted.* is hidden");
    root.mkdir("w/sticky", 0777);
    root.chmod("w/sticky", 01777);
    assertErrno(Errno.EPERM, () -> alice.setxattr("w/sticky", "user.x", V, 0));
  }

  @Test
  void xattrsGoWithTheInode() throws Exception {
    root.create("f", 0644);
    root.setxattr("f", "user.a", V, 0);
    root.link("f", "g");
    assertArrayEquals(V, root.getxattr("g", "user.a"));
    long keys = h.store().digest().keys();
    root.unlink("f");
    root.unlink("g");
    h.keeperStep();
    assertEquals(
        keys - 1 - 2 * 2 - 1, h.store().digest().keys(), "inode, two entries (x2 keys), xattr");
  }
}
