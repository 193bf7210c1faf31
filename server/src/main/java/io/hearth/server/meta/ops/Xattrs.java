package io.hearth.server.meta.ops;

import com.google.protobuf.ByteString;
import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.XattrNamespaces;
import io.hearth.protocol.meta.Loc;
import io.hearth.server.meta.store.InodeRecord;
import io.hearth.server.meta.store.KeySchema;
import io.hearth.server.meta.store.Txn;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * The rules of extended attributes, as Linux's fs/xattr.c applies them. Two namespaces exist:
 * "user." (regular files and directories, guarded by the file's permission bits) and "trusted."
 * (root only, on any inode). Names are stored whole, prefix included.
 */
final class Xattrs {
  enum Space {
    USER,
    TRUSTED
  }

  private static final byte[] USER_PREFIX =
      XattrNamespaces.USER.getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TRUSTED_PREFIX =
      XattrNamespaces.TRUSTED.getBytes(StandardCharsets.US_ASCII);

  private Xattrs() {}

  /** Checks a name at the edge: 1..255 bytes (ERANGE), a namespace we keep, a non-empty suffix. */
  static Space check(byte[] name) throws HearthException {
    if (name.length == 0 || name.length > Limits.XATTR_NAME_MAX_BYTES) {
      throw new HearthException(Errno.ERANGE, "xattr name of " + name.length + " bytes");
    }
    Space space;
    int prefix;
    if (startsWith(name, USER_PREFIX)) {
      space = Space.USER;
      prefix = USER_PREFIX.length;
    } else if (startsWith(name, TRUSTED_PREFIX)) {
      space = Space.TRUSTED;
      prefix = TRUSTED_PREFIX.length;
    } else {
      throw new HearthException(Errno.EOPNOTSUPP, "xattr namespace not supported");
    }
    if (name.length == prefix) {
      throw new HearthException(Errno.EINVAL, "xattr name is only a namespace");
    }
    for (byte b : name) {
      if (b == 0) {
        throw new HearthException(Errno.EINVAL, "xattr name contains NUL");
      }
    }
    return space;
  }

  /**
   * Linux's xattr_permission. Where a write is refused outright (EPERM), a read of the same name
   * finds nothing (ENODATA): the attribute cannot exist for that caller.
   */
  static void checkAccess(OpContext ctx, InodeRecord node, Space space, boolean write)
      throws HearthException {
    if (space == Space.TRUSTED && !ctx.isRoot()) {
      throw write
          ? new HearthException(Errno.EPERM, "trusted.* is root's")
          : new HearthException(Errno.ENODATA, "trusted.* is root's");
    }
    if (space == Space.USER) {
      if (!node.isDir() && !FileMode.isRegular(node.mode)) {
        throw write
            ? new HearthException(Errno.EPERM, "user.* only on regular files and directories")
            : new HearthException(Errno.ENODATA, "user.* only on regular files and directories");
      }
      // the sticky bit protects a shared directory's attributes as it protects its entries
      if (write
          && node.isDir()
          && (node.mode & FileMode.S_ISVTX) != 0
          && !Permissions.isOwnerOrRoot(ctx.caller(), node)) {
        throw new HearthException(Errno.EPERM, "sticky directory: not the owner");
      }
    }
    Permissions.check(
        ctx.caller(),
        node,
        write ? Permissions.W : Permissions.R,
        write ? "cannot write attributes" : "cannot read attributes");
  }

  /** The inode and key an xattr request names, checked as a read or a write of it. */
  record Target(InodeRecord node, byte[] name, byte[] key) {}

  static Target target(OpContext ctx, Loc loc, ByteString name, boolean write)
      throws HearthException {
    byte[] n = name.toByteArray();
    Space space = check(n);
    InodeRecord node = Resolver.existing(ctx, loc, true);
    checkAccess(ctx, node, space, write);
    return new Target(node, n, KeySchema.xattr(node.ino, n));
  }

  /** A change of attributes is a change of the inode: its ctime moves. */
  static void touch(OpContext ctx, InodeRecord node) {
    node.ctimeNs = ctx.nowNs();
    Namespace.save(ctx.txn(), node);
  }

  static boolean isTrusted(byte[] name) {
    return startsWith(name, TRUSTED_PREFIX);
  }

  /** Bytes of names plus values the inode's attributes hold. */
  static long totalBytes(Txn txn, long ino) {
    long total = 0;
    for (Map.Entry<byte[], byte[]> x :
        txn.scan(KeySchema.xattrPrefix(ino), null, Integer.MAX_VALUE)) {
      total += x.getKey().length - KeySchema.xattrPrefix(ino).length + x.getValue().length;
    }
    return total;
  }

  private static boolean startsWith(byte[] name, byte[] prefix) {
    return name.length >= prefix.length
        && Arrays.equals(name, 0, prefix.length, prefix, 0, prefix.length);
  }
}
