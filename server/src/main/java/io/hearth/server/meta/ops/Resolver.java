package io.hearth.server.meta.ops;

import com.google.protobuf.ByteString;
import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.Names;
import io.hearth.protocol.meta.Loc;
import io.hearth.server.meta.store.Dentry;
import io.hearth.server.meta.store.InodeRecord;
import io.hearth.server.meta.store.KeySchema;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a {@link Loc} into inodes, checking search permission on every directory it passes and
 * following symlinks in the middle of the path (at most {@link Limits#SYMLINK_FOLLOW_MAX}).
 */
public final class Resolver {
  private Resolver() {}

  /**
   * Where a Loc ends. {@code parent} and {@code name} are null when the Loc names its base itself;
   * {@code node} is null when the last name does not exist (yet).
   */
  public record Resolved(InodeRecord parent, byte[] name, InodeRecord node) {
    public InodeRecord existing() throws HearthException {
      if (node == null) {
        throw new HearthException(Errno.ENOENT, "no entry " + Names.toString(name));
      }
      return node;
    }

    public boolean isDotOrDotDot() {
      return name != null && (Names.isDot(name) || Names.isDotDot(name));
    }
  }

  /** Resolves a Loc; the last component is followed if it is a symlink and {@code follow}. */
  public static Resolved resolve(OpContext ctx, Loc loc, boolean follow) throws HearthException {
    long base = loc.getBase() == 0 ? KeySchema.ROOT_INO : loc.getBase();
    InodeRecord start = Namespace.load(ctx.txn(), base);
    List<byte[]> names = new ArrayList<>(loc.getNamesCount());
    int bytes = 0;
    for (ByteString n : loc.getNamesList()) {
      byte[] b = n.toByteArray();
      Names.check(b);
      bytes += b.length + 1;
      names.add(b);
    }
    if (bytes >= Limits.PATH_MAX_BYTES) {
      throw new HearthException(Errno.ENAMETOOLONG, "path of " + bytes + " bytes");
    }
    return walk(ctx, start, names, follow, new int[] {0});
  }

  /** Resolves a Loc that must name an existing inode. */
  public static InodeRecord existing(OpContext ctx, Loc loc, boolean follow)
      throws HearthException {
    return resolve(ctx, loc, follow).existing();
  }

  /**
   * Resolves a Loc that must name a regular file, following a symlink at the end as open(2) does:
   * EISDIR for a directory, EINVAL for any other type (what read(2) and write(2) answer).
   */
  public static InodeRecord regularFile(OpContext ctx, Loc loc) throws HearthException {
    InodeRecord node = existing(ctx, loc, true);
    if (node.isDir()) {
      throw new HearthException(Errno.EISDIR, "is a directory: inode " + node.ino);
    }
    if (!FileMode.isRegular(node.mode)) {
      throw new HearthException(Errno.EINVAL, "not a regular file: inode " + node.ino);
    }
    return node;
  }

  /**
   * Resolves the parent of a Loc's last name, for operations that create or remove that name. The
   * Loc must have at least one name; the parent must be a directory.
   */
  public static Resolved parentOf(OpContext ctx, Loc loc) throws HearthException {
    if (loc.getNamesCount() == 0) {
      throw new HearthException(Errno.EEXIST, "the operation needs a name, not an inode alone");
    }
    Resolved r = resolve(ctx, loc, false);
    if (r.parent == null) {
      throw new HearthException(Errno.EEXIST, "the root exists");
    }
    return r;
  }

  private static Resolved walk(
      OpContext ctx, InodeRecord dir, List<byte[]> names, boolean followLast, int[] follows)
      throws HearthException {
    if (names.isEmpty()) {
      return new Resolved(null, null, dir);
    }
    InodeRecord cur = dir;
    for (int i = 0; i < names.size(); i++) {
      byte[] name = names.get(i);
      boolean last = i == names.size() - 1;
      if (!cur.isDir()) {
        throw new HearthException(Errno.ENOTDIR, "not a directory: inode " + cur.ino);
      }
      Permissions.check(ctx.caller(), cur, Permissions.X, "search permission denied");
      InodeRecord next = step(ctx, cur, name);
      if (next != null && next.isSymlink() && (!last || followLast)) {
        if (++follows[0] > Limits.SYMLINK_FOLLOW_MAX) {
          throw new HearthException(Errno.ELOOP, "too many symlinks");
        }
        InodeRecord from =
            next.target.length > 0 && next.target[0] == '/'
                ? Namespace.load(ctx.txn(), KeySchema.ROOT_INO)
                : cur;
        List<byte[]> targetNames = splitTarget(next.target);
        Resolved t = walk(ctx, from, targetNames, true, follows);
        if (last) {
          return t;
        }
        next = t.existing();
      }
      if (last) {
        return new Resolved(cur, name, next);
      }
      if (next == null) {
        throw new HearthException(Errno.ENOENT, "no entry " + Names.toString(name));
      }
      cur = next;
    }
    throw new IllegalStateException("unreachable");
  }

  private static InodeRecord step(OpContext ctx, InodeRecord dir, byte[] name)
      throws HearthException {
    if (Names.isDot(name)) {
      return dir;
    }
    if (Names.isDotDot(name)) {
      return Namespace.load(ctx.txn(), dir.parent);
    }
    Dentry d = Namespace.entry(ctx.txn(), dir.ino, name);
    return d == null ? null : Namespace.loadLinked(ctx.txn(), d);
  }

  private static List<byte[]> splitTarget(byte[] target) throws HearthException {
    List<byte[]> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= target.length; i++) {
      if (i == target.length || target[i] == '/') {
        if (i > start) {
          byte[] c = new byte[i - start];
          System.arraycopy(target, start, c, 0, c.length);
          Names.check(c);
          out.add(c);
        }
        start = i + 1;
      }
    }
    return out;
  }
}
