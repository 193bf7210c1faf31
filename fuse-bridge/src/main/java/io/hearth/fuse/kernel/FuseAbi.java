package io.hearth.fuse.kernel;

/**
 * The numbers of the kernel's FUSE protocol, copied from linux {@code include/uapi/linux/fuse.h}
 * (protocol 7.38, as Debian 12's linux-libc-dev ships it in /usr/include/linux/fuse.h). The running
 * kernel may speak a newer minor: INIT settles on the lower of the two, and the kernel then keeps
 * to what 7.38 defined, so these numbers are the whole contract.
 */
public final class FuseAbi {
  private FuseAbi() {}

  public static final int KERNEL_VERSION = 7;

  /** The newest minor this codec encodes (fuse.h FUSE_KERNEL_MINOR_VERSION). */
  public static final int MINOR_MAX = 38;

  /**
   * The oldest minor it accepts: 7.28 (Linux 4.20) brought FUSE_MAX_PAGES, so a 1 MiB write is one
   * request; every struct below has its 7.28 size or a size the kernel accepts for older minors.
   */
  public static final int MINOR_MIN = 28;

  /** The node id of the root; the kernel asks for it before anything was looked up. */
  public static final long ROOT_ID = 1;

  /** A read of /dev/fuse into a smaller buffer fails with EINVAL. */
  public static final int MIN_READ_BUFFER = 8192;

  /** _IOR(229, 0, uint32_t): a new /dev/fuse fd that serves the same connection. */
  public static final long DEV_IOC_CLONE = 0x8004e500L;

  // enum fuse_opcode
  public static final int LOOKUP = 1;
  public static final int FORGET = 2;
  public static final int GETATTR = 3;
  public static final int SETATTR = 4;
  public static final int READLINK = 5;
  public static final int SYMLINK = 6;
  public static final int MKNOD = 8;
  public static final int MKDIR = 9;
  public static final int UNLINK = 10;
  public static final int RMDIR = 11;
  public static final int RENAME = 12;
  public static final int LINK = 13;
  public static final int OPEN = 14;
  public static final int READ = 15;
  public static final int WRITE = 16;
  public static final int STATFS = 17;
  public static final int RELEASE = 18;
  public static final int FSYNC = 20;
  public static final int SETXATTR = 21;
  public static final int GETXATTR = 22;
  public static final int LISTXATTR = 23;
  public static final int REMOVEXATTR = 24;
  public static final int FLUSH = 25;
  public static final int INIT = 26;
  public static final int OPENDIR = 27;
  public static final int READDIR = 28;
  public static final int RELEASEDIR = 29;
  public static final int FSYNCDIR = 30;
  public static final int GETLK = 31;
  public static final int SETLK = 32;
  public static final int SETLKW = 33;
  public static final int ACCESS = 34;
  public static final int CREATE = 35;
  public static final int INTERRUPT = 36;
  public static final int BMAP = 37;
  public static final int DESTROY = 38;
  public static final int IOCTL = 39;
  public static final int POLL = 40;
  public static final int NOTIFY_REPLY = 41;
  public static final int BATCH_FORGET = 42;
  public static final int FALLOCATE = 43;
  public static final int READDIRPLUS = 44;
  public static final int RENAME2 = 45;
  public static final int LSEEK = 46;
  public static final int COPY_FILE_RANGE = 47;
  public static final int SETUPMAPPING = 48;
  public static final int REMOVEMAPPING = 49;
  public static final int SYNCFS = 50;
  public static final int TMPFILE = 51;

  // INIT flags: flags | (long) flags2 << 32 (flags2 only with INIT_EXT)
  public static final long ASYNC_READ = 1L << 0;
  public static final long POSIX_LOCKS = 1L << 1;
  public static final long ATOMIC_O_TRUNC = 1L << 3;
  public static final long EXPORT_SUPPORT = 1L << 4;
  public static final long BIG_WRITES = 1L << 5;
  public static final long DONT_MASK = 1L << 6;
  public static final long SPLICE_WRITE = 1L << 7;
  public static final long SPLICE_MOVE = 1L << 8;
  public static final long SPLICE_READ = 1L << 9;
  public static final long FLOCK_LOCKS = 1L << 10;
  public static final long HAS_IOCTL_DIR = 1L << 11;
  public static final long AUTO_INVAL_DATA = 1L << 12;
  public static final long DO_READDIRPLUS = 1L << 13;
  public static final long READDIRPLUS_AUTO = 1L << 14;
  public static final long ASYNC_DIO = 1L << 15;
  public static final long WRITEBACK_CACHE = 1L << 16;
  public static final long NO_OPEN_SUPPORT = 1L << 17;
  public static final long PARALLEL_DIROPS = 1L << 18;
  public static final long HANDLE_KILLPRIV = 1L << 19;
  public static final long POSIX_ACL = 1L << 20;
  public static final long ABORT_ERROR = 1L << 21;
  public static final long MAX_PAGES = 1L << 22;
  public static final long CACHE_SYMLINKS = 1L << 23;
  public static final long NO_OPENDIR_SUPPORT = 1L << 24;
  public static final long EXPLICIT_INVAL_DATA = 1L << 25;
  public static final long HANDLE_KILLPRIV_V2 = 1L << 28;
  public static final long SETXATTR_EXT = 1L << 29;
  public static final long INIT_EXT = 1L << 30;
  public static final long SECURITY_CTX = 1L << 32;

  /** 7.38, missing from Debian 12's header; libfuse's include/fuse_kernel.h has it. */
  public static final long CREATE_SUPP_GROUP = 1L << 34;

  public static final long HAS_EXPIRE_ONLY = 1L << 35;

  // fuse_open_out.open_flags
  public static final int FOPEN_DIRECT_IO = 1 << 0;
  public static final int FOPEN_KEEP_CACHE = 1 << 1;
  public static final int FOPEN_NONSEEKABLE = 1 << 2;
  public static final int FOPEN_CACHE_DIR = 1 << 3;
  public static final int FOPEN_STREAM = 1 << 4;
  public static final int FOPEN_NOFLUSH = 1 << 5;

  // fuse_setattr_in.valid
  public static final int FATTR_MODE = 1 << 0;
  public static final int FATTR_UID = 1 << 1;
  public static final int FATTR_GID = 1 << 2;
  public static final int FATTR_SIZE = 1 << 3;
  public static final int FATTR_ATIME = 1 << 4;
  public static final int FATTR_MTIME = 1 << 5;
  public static final int FATTR_FH = 1 << 6;
  public static final int FATTR_ATIME_NOW = 1 << 7;
  public static final int FATTR_MTIME_NOW = 1 << 8;
  public static final int FATTR_LOCKOWNER = 1 << 9;
  public static final int FATTR_CTIME = 1 << 10;
  public static final int FATTR_KILL_SUIDGID = 1 << 11;

  public static final int GETATTR_FH = 1 << 0;
  public static final int RELEASE_FLUSH = 1 << 0;
  public static final int RELEASE_FLOCK_UNLOCK = 1 << 1;
  public static final int LK_FLOCK = 1 << 0;
  public static final int WRITE_CACHE = 1 << 0;
  public static final int WRITE_LOCKOWNER = 1 << 1;
  public static final int WRITE_KILL_SUIDGID = 1 << 2;
  public static final int READ_LOCKOWNER = 1 << 1;
  public static final int FSYNC_FDATASYNC = 1 << 0;

  /** fuse_notify_inval_entry_out.flags: let the entry time out instead of dropping it. */
  public static final int EXPIRE_ONLY = 1 << 0;

  // enum fuse_notify_code: sent as fuse_out_header.error with unique 0
  public static final int NOTIFY_POLL = 1;
  public static final int NOTIFY_INVAL_INODE = 2;
  public static final int NOTIFY_INVAL_ENTRY = 3;
  public static final int NOTIFY_STORE = 4;
  public static final int NOTIFY_RETRIEVE = 5;
  public static final int NOTIFY_DELETE = 6;

  /** The opcode's name in fuse.h, for logs. */
  public static String opName(int opcode) {
    return switch (opcode) {
      case LOOKUP -> "LOOKUP";
      case FORGET -> "FORGET";
      case GETATTR -> "GETATTR";
      case SETATTR -> "SETATTR";
      case READLINK -> "READLINK";
      case SYMLINK -> "SYMLINK";
      case MKNOD -> "MKNOD";
      case MKDIR -> "MKDIR";
      case UNLINK -> "UNLINK";
      case RMDIR -> "RMDIR";
      case RENAME -> "RENAME";
      case LINK -> "LINK";
      case OPEN -> "OPEN";
      case READ -> "READ";
      case WRITE -> "WRITE";
      case STATFS -> "STATFS";
      case RELEASE -> "RELEASE";
      case FSYNC -> "FSYNC";
      case SETXATTR -> "SETXATTR";
      case GETXATTR -> "GETXATTR";
      case LISTXATTR -> "LISTXATTR";
      case REMOVEXATTR -> "REMOVEXATTR";
      case FLUSH -> "FLUSH";
      case INIT -> "INIT";
      case OPENDIR -> "OPENDIR";
      case READDIR -> "READDIR";
      case RELEASEDIR -> "RELEASEDIR";
      case FSYNCDIR -> "FSYNCDIR";
      case GETLK -> "GETLK";
      case SETLK -> "SETLK";
      case SETLKW -> "SETLKW";
      case ACCESS -> "ACCESS";
      case CREATE -> "CREATE";
      case INTERRUPT -> "INTERRUPT";
      case BMAP -> "BMAP";
      case DESTROY -> "DESTROY";
      case IOCTL -> "IOCTL";
      case POLL -> "POLL";
      case NOTIFY_REPLY -> "NOTIFY_REPLY";
      case BATCH_FORGET -> "BATCH_FORGET";
      case FALLOCATE -> "FALLOCATE";
      case READDIRPLUS -> "READDIRPLUS";
      case RENAME2 -> "RENAME2";
      case LSEEK -> "LSEEK";
      case COPY_FILE_RANGE -> "COPY_FILE_RANGE";
      case SETUPMAPPING -> "SETUPMAPPING";
      case REMOVEMAPPING -> "REMOVEMAPPING";
      case SYNCFS -> "SYNCFS";
      case TMPFILE -> "TMPFILE";
      default -> "OP" + opcode;
    };
  }
}
