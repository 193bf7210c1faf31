package io.hearth.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * A file system served by node id, as the kernel asks (FUSE's inode-based protocol, what libfuse
 * calls the low-level API). Node ids are the file system's inode numbers; the root is {@link
 * FuseAbi#ROOT_ID}. Names are the kernel's bytes, not decoded: a Linux name is any byte string
 * without '/' and NUL.
 *
 * <p>Lookup counts: every {@link Entry} with a non-zero node id that reaches the kernel (lookup,
 * mkdir, mknod, symlink, link, create, and readdirplus except "." and "..") counts one lookup;
 * {@link #forget} gives them back. A node may be dropped once its count is 0 and nothing else holds
 * it (no names, no open handles).
 *
 * <p>Threads: called from several request threads at once; every method must be thread-safe. A
 * method that waits (a lock, the network) holds its request thread, and should give up with EINTR
 * when {@link Caller#interrupted()} turns true.
 *
 * <p>Errors: throw {@link FuseError} with the errno; anything else thrown answers EIO. Operations
 * left at their defaults answer ENOSYS, and the kernel stops sending most of them.
 */
public interface InodeFileSystem {
  /** Called once INIT is answered; the mount serves requests from then on. */
  default void init(Connection conn) {}

  /** Called when the session ends (unmount or DESTROY), after the last request was answered. */
  default void destroy() {}

  Entry lookup(Caller c, long parent, byte[] name) throws FuseError;

  /** The kernel dropped {@code nlookup} lookups of the node. No reply; must not fail. */
  void forget(long nodeId, long nlookup);

  /**
   * @param fh the handle of an fstat, or -1 (no handle)
   */
  AttrReply getattr(Caller c, long nodeId, long fh) throws FuseError;

  AttrReply setattr(Caller c, long nodeId, SetAttr set) throws FuseError;

  default byte[] readlink(Caller c, long nodeId) throws FuseError {
    throw new FuseError(Errnos.ENOSYS);
  }

  default Entry symlink(Caller c, long parent, byte[] name, byte[] target) throws FuseError {
    throw new FuseError(Errnos.ENOSYS);
  }

  default Entry mknod(Caller c, long parent, byte[] name, int mode, int rdev, int umask)
      throws FuseError {
    throw new FuseError(Errnos.ENOSYS);
  }

  /**
   * @param mode the kernel applied the caller's umask already (no FUSE_DONT_MASK)
   */
  Entry mkdir(Caller c, long parent, byte[] name, int mode, int umask) throws FuseError;

  void unlink(Caller c, long parent, byte[] name) throws FuseError;

  void rmdir(Caller c, long parent, byte[] name) throws FuseError;

  /**
   * @param flags RENAME_NOREPLACE 1, RENAME_EXCHANGE 2, RENAME_WHITEOUT 4
   */
  void rename(Caller c, long parent, byte[] name, long newParent, byte[] newName, int flags)
      throws FuseError;

  default Entry link(Caller c, long nodeId, long newParent, byte[] newName) throws FuseError {
    throw new FuseError(Errnos.ENOSYS);
  }

  /**
   * @param flags open(2) flags without O_CREAT, O_EXCL and O_NOCTTY (the kernel handled them)
   */
  Opened open(Caller c, long nodeId, int flags) throws FuseError;

  /** CREATE: the entry and an open handle in one call (open(2) with O_CREAT of a new name). */
  Created create(Caller c, long parent, byte[] name, int flags, int mode, int umask)
      throws FuseError;

  /**
   * Copies up to {@code dst.byteSize()} bytes at {@code offset} into {@code dst} (native memory,
   * the reply itself) and returns how many; fewer only at the end of the file.
   */
  int read(Caller c, long nodeId, long fh, long offset, MemorySegment dst) throws FuseError;

  /**
   * Writes all of {@code src} (native memory, the request itself: valid only during the call) at
   * {@code offset}; returns how many bytes were taken.
   *
   * @param writeFlags FuseAbi.WRITE_* bits (WRITE_CACHE: from the page cache, writeback mode)
   */
  int write(Caller c, long nodeId, long fh, long offset, MemorySegment src, int writeFlags)
      throws FuseError;

  /** Every close(2) of a descriptor of the handle (there may be several, after dup or fork). */
  void flush(Caller c, long nodeId, long fh, long lockOwner) throws FuseError;

  /** The last close of the handle. No caller: the kernel sends it on its own. */
  void release(long nodeId, long fh, int flags, long lockOwner, int releaseFlags);

  void fsync(Caller c, long nodeId, long fh, boolean datasync) throws FuseError;

  Opened opendir(Caller c, long nodeId, int flags) throws FuseError;

  /**
   * Fills {@code sink} from {@code offset} (0: from the start; else a nextOffset given before)
   * until it is full or the directory ends. READDIRPLUS ({@code sink.plus()}) wants an Entry per
   * name.
   */
  void readdir(Caller c, long nodeId, long fh, long offset, DirSink sink) throws FuseError;

  void releasedir(long nodeId, long fh);

  default void fsyncdir(Caller c, long nodeId, long fh, boolean datasync) throws FuseError {}

  StatFs statfs(Caller c, long nodeId) throws FuseError;

  /** access(2) without default_permissions; ENOSYS makes the kernel allow everything after. */
  default void access(Caller c, long nodeId, int mask) throws FuseError {
    throw new FuseError(Errnos.ENOSYS);
  }

  /** FuseAbi init flags of the session's defaults this file system does not want. */
  default long unwantedFlags() {
    return 0;
  }

  /** True if {@link #getlk}/{@link #setlk} serve POSIX locks (else the kernel keeps them). */
  default boolean posixLocks() {
    return false;
  }

  /** True if flock(2) reaches {@link #setlk} with {@code flock} true (else the kernel keeps it). */
  default boolean flockLocks() {
    return false;
  }

  /** F_GETLK: the first lock that conflicts with {@code lock}, or one of type F_UNLCK. */
  default FileLock getlk(Caller c, long nodeId, long fh, long owner, FileLock lock)
      throws FuseError {
    throw new FuseError(Errnos.ENOSYS);
  }

  /**
   * F_SETLK (EAGAIN on conflict), F_SETLKW ({@code sleep}: wait; EINTR once interrupted), or flock
   * ({@code flock}, whole file, owner is the open file).
   */
  default void setlk(
      Caller c, long nodeId, long fh, long owner, FileLock lock, boolean sleep, boolean flock)
      throws FuseError {
    throw new FuseError(Errnos.ENOSYS);
  }

  default void fallocate(Caller c, long nodeId, long fh, long offset, long length, int mode)
      throws FuseError {
    throw new FuseError(Errnos.ENOSYS);
  }

  /** lseek SEEK_DATA / SEEK_HOLE; ENOSYS makes the kernel answer them itself. */
  default long lseek(Caller c, long nodeId, long fh, long offset, int whence) throws FuseError {
    throw new FuseError(Errnos.ENOSYS);
  }

  default void setxattr(Caller c, long nodeId, byte[] name, MemorySegment value, int flags)
      throws FuseError {
    throw new FuseError(Errnos.ENOSYS);
  }

  /**
   * The value of {@code name}; with {@code size} 0 only its length matters (the kernel asks how big
   * a buffer to pass). ERANGE when it is larger than a non-zero {@code size}.
   */
  default byte[] getxattr(Caller c, long nodeId, byte[] name, int size) throws FuseError {
    throw new FuseError(Errnos.ENOSYS);
  }

  /** The names, each followed by a NUL; sized as {@link #getxattr}. */
  default byte[] listxattr(Caller c, long nodeId, int size) throws FuseError {
    throw new FuseError(Errnos.ENOSYS);
  }

  default void removexattr(Caller c, long nodeId, byte[] name) throws FuseError {
    throw new FuseError(Errnos.ENOSYS);
  }
}
