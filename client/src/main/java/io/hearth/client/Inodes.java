package io.hearth.client;

import com.google.protobuf.ByteString;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.Loc;
import io.hearth.protocol.meta.SetattrReq;
import io.hearth.rpc.Futures;
import java.util.List;

/**
 * The namespace by inode number and name, as the kernel's FUSE protocol asks: every call names an
 * inode, or a name (any bytes but '/' and NUL: Linux names are byte strings, never decoded here) in
 * a directory inode. The same calls and rules as {@link HearthClient}'s path API, which is this API
 * with the path walked by the server.
 *
 * <p>Thread-safe; a view of its client as the client's credentials ({@link
 * HearthClient#withCredentials} makes one for another caller).
 */
public final class Inodes {
  private final NamespaceCalls calls;

  Inodes(NamespaceCalls calls) {
    this.calls = calls;
  }

  /** The inode itself. */
  static Loc at(long ino) {
    return Loc.newBuilder().setBase(ino).build();
  }

  /** The name {@code name} in directory {@code parent}. */
  static Loc at(long parent, byte[] name) {
    return Loc.newBuilder().setBase(parent).addNames(ByteString.copyFrom(name)).build();
  }

  /** The name's inode, the last symlink not followed (a FUSE lookup). */
  public Stat lookup(long parent, byte[] name) throws HearthException {
    return Futures.join(calls.lookup(at(parent, name), false));
  }

  /** getattr: with this client's unflushed writes and waiting changes of an open file. */
  public Stat getattr(long ino) throws HearthException {
    return Futures.join(calls.lookup(at(ino), false));
  }

  /** chmod of an inode; through the open file when this client has it open. */
  public Stat chmod(long ino, int mode) throws HearthException {
    return calls.changeAttrs(at(ino), HearthClient.chmodChange(mode), false);
  }

  /** chown of an inode; -1 leaves that id unchanged. */
  public Stat chown(long ino, int uid, int gid) throws HearthException {
    return calls.changeAttrs(at(ino), HearthClient.chownChange(uid, gid), false);
  }

  /**
   * utimens of an inode: ns, or {@link HearthClient#UTIME_NOW} / {@link HearthClient#UTIME_OMIT}.
   */
  public Stat utimens(long ino, long atimeNs, long mtimeNs) throws HearthException {
    return calls.changeAttrs(at(ino), HearthClient.utimensChange(atimeNs, mtimeNs), false);
  }

  /** truncate of an inode (not through a handle: write permission is checked). */
  public Stat truncate(long ino, long size) throws HearthException {
    return calls.truncate(at(ino), size);
  }

  /** Several attribute changes at once, as one SETATTR asks; no size (see {@link #truncate}). */
  public Stat setattr(long ino, SetattrReq.Builder change) throws HearthException {
    return calls.changeAttrs(at(ino), change, false);
  }

  public byte[] readlink(long ino) throws HearthException {
    return Futures.join(calls.readlink(at(ino)));
  }

  /** One page of the directory after {@code cookie} (0: from the start); no "." or "..". */
  public DirPage readdir(long dir, long cookie, int maxEntries, boolean plus)
      throws HearthException {
    return Futures.join(calls.readdir(at(dir), cookie, maxEntries, plus));
  }

  public Stat mkdir(long parent, byte[] name, int mode) throws HearthException {
    return Futures.join(calls.mkdir(at(parent, name), mode));
  }

  /** mknod(2): {@code mode} carries the type; a type of 0 is a regular file. */
  public Stat mknod(long parent, byte[] name, int mode, long rdev) throws HearthException {
    return Futures.join(calls.mknod(at(parent, name), mode, rdev));
  }

  public Stat symlink(long parent, byte[] name, byte[] target) throws HearthException {
    return Futures.join(calls.symlink(at(parent, name), target));
  }

  /** link(2): a new name for {@code ino}. */
  public Stat link(long ino, long newParent, byte[] newName) throws HearthException {
    return Futures.join(calls.link(at(ino), at(newParent, newName)));
  }

  /** unlink(2); a file this client has open stays usable through its handles until they close. */
  public void unlink(long parent, byte[] name) throws HearthException {
    calls.unlink(at(parent, name));
  }

  public void rmdir(long parent, byte[] name) throws HearthException {
    Futures.join(calls.rmdir(at(parent, name)));
  }

  /**
   * renameat2(2) with {@link HearthClient#RENAME_NOREPLACE} or {@link
   * HearthClient#RENAME_EXCHANGE}.
   */
  public void rename(long parent, byte[] name, long newParent, byte[] newName, int flags)
      throws HearthException {
    calls.rename(at(parent, name), at(newParent, newName), flags);
  }

  /** open(2) of an inode ({@link HearthFile}'s flags; O_CREAT and O_EXCL mean nothing here). */
  public HearthFile open(long ino, int flags) throws HearthException {
    return HearthFile.open(
        calls, at(ino), "inode " + ino, flags & ~(HearthFile.O_CREAT | HearthFile.O_EXCL), 0);
  }

  /**
   * open(2) with O_CREAT of a name in a directory: created with {@code mode} (umask applied by the
   * caller) if missing, opened (and truncated with O_TRUNC) if there, EEXIST with O_EXCL. One
   * request; {@link HearthFile#statAtOpen} holds the attributes.
   */
  public HearthFile create(long parent, byte[] name, int flags, int mode) throws HearthException {
    return HearthFile.open(
        calls,
        at(parent, name),
        "a new file",
        flags | HearthFile.O_CREAT,
        mode & FileMode.PERM_MASK);
  }

  /** access(2): EACCES unless the caller may access it for {@code mask} (R=4 W=2 X=1). */
  public void access(long ino, int mask) throws HearthException {
    calls.access(at(ino), mask);
  }

  public FsStat statfs() throws HearthException {
    return Futures.join(calls.statfs());
  }

  public byte[] getxattr(long ino, byte[] name) throws HearthException {
    return calls.getxattr(at(ino), name);
  }

  public List<byte[]> listxattr(long ino) throws HearthException {
    return calls.listxattr(at(ino));
  }

  public void setxattr(long ino, byte[] name, byte[] value, int flags) throws HearthException {
    calls.setxattr(at(ino), name, value, flags);
  }

  public void removexattr(long ino, byte[] name) throws HearthException {
    calls.removexattr(at(ino), name);
  }
}
