package io.hearth.fuse.kernel;

/**
 * Byte offsets and sizes of the fuse.h structs this codec reads and writes, one nested class per
 * struct, written out by hand from fuse.h and checked against {@code offsetof}/{@code sizeof} as
 * gcc computes them on x86_64 (LayoutTest holds the values gcc printed). Every struct is padded to
 * 8 bytes by the kernel's own rule, so the layout is the same on every 64-bit Linux; integers are
 * in the machine's byte order (the kernel's).
 */
final class Layout {
  private Layout() {}

  /** struct fuse_in_header: in front of every request. */
  static final class InHeader {
    static final int LEN = 0; // u32, the whole request
    static final int OPCODE = 4;
    static final int UNIQUE = 8; // u64
    static final int NODEID = 16; // u64
    static final int UID = 24;
    static final int GID = 28;
    static final int PID = 32;
    static final int TOTAL_EXTLEN = 36; // u16, in 8-byte units (7.38)
    static final int SIZE = 40;
  }

  /** struct fuse_out_header: in front of every reply and notification. */
  static final class OutHeader {
    static final int LEN = 0;
    static final int ERROR = 4; // -errno, or a notify code with UNIQUE 0
    static final int UNIQUE = 8;
    static final int SIZE = 16;
  }

  /** struct fuse_attr. */
  static final class Attr {
    static final int INO = 0;
    static final int SIZE_ = 8;
    static final int BLOCKS = 16;
    static final int ATIME = 24;
    static final int MTIME = 32;
    static final int CTIME = 40;
    static final int ATIMENSEC = 48;
    static final int MTIMENSEC = 52;
    static final int CTIMENSEC = 56;
    static final int MODE = 60;
    static final int NLINK = 64;
    static final int UID = 68;
    static final int GID = 72;
    static final int RDEV = 76;
    static final int BLKSIZE = 80;
    static final int FLAGS = 84;
    static final int SIZE = 88;
  }

  /** struct fuse_entry_out: LOOKUP, MKDIR, MKNOD, SYMLINK, LINK and the front of CREATE. */
  static final class EntryOut {
    static final int NODEID = 0;
    static final int GENERATION = 8;
    static final int ENTRY_VALID = 16;
    static final int ATTR_VALID = 24;
    static final int ENTRY_VALID_NSEC = 32;
    static final int ATTR_VALID_NSEC = 36;
    static final int ATTR = 40;
    static final int SIZE = 128;
  }

  /** struct fuse_attr_out: GETATTR, SETATTR. */
  static final class AttrOut {
    static final int ATTR_VALID = 0;
    static final int ATTR_VALID_NSEC = 8;
    static final int ATTR = 16;
    static final int SIZE = 104;
  }

  static final class InitIn {
    static final int MAJOR = 0;
    static final int MINOR = 4;
    static final int MAX_READAHEAD = 8;
    static final int FLAGS = 12;
    static final int FLAGS2 = 16; // only with INIT_EXT in FLAGS
    static final int SIZE = 64;
  }

  static final class InitOut {
    static final int MAJOR = 0;
    static final int MINOR = 4;
    static final int MAX_READAHEAD = 8;
    static final int FLAGS = 12;
    static final int MAX_BACKGROUND = 16; // u16
    static final int CONGESTION_THRESHOLD = 18; // u16
    static final int MAX_WRITE = 20;
    static final int TIME_GRAN = 24;
    static final int MAX_PAGES = 28; // u16
    static final int MAP_ALIGNMENT = 30; // u16
    static final int FLAGS2 = 32;
    static final int SIZE = 64;
  }

  static final class GetattrIn {
    static final int GETATTR_FLAGS = 0;
    static final int FH = 8;
    static final int SIZE = 16;
  }

  static final class SetattrIn {
    static final int VALID = 0;
    static final int FH = 8;
    static final int SIZE_ = 16;
    static final int LOCK_OWNER = 24;
    static final int ATIME = 32;
    static final int MTIME = 40;
    static final int CTIME = 48;
    static final int ATIMENSEC = 56;
    static final int MTIMENSEC = 60;
    static final int CTIMENSEC = 64;
    static final int MODE = 68;
    static final int UID = 76;
    static final int GID = 80;
    static final int SIZE = 88;
  }

  static final class ForgetIn {
    static final int NLOOKUP = 0;
    static final int SIZE = 8;
  }

  static final class BatchForgetIn {
    static final int COUNT = 0;
    static final int SIZE = 8;
  }

  /** struct fuse_forget_one: BATCH_FORGET's array. */
  static final class ForgetOne {
    static final int NODEID = 0;
    static final int NLOOKUP = 8;
    static final int SIZE = 16;
  }

  /** struct fuse_mknod_in, then the name. */
  static final class MknodIn {
    static final int MODE = 0;
    static final int RDEV = 4;
    static final int UMASK = 8;
    static final int SIZE = 16;
  }

  /** struct fuse_mkdir_in, then the name. */
  static final class MkdirIn {
    static final int MODE = 0;
    static final int UMASK = 4;
    static final int SIZE = 8;
  }

  /** struct fuse_rename_in (RENAME, 8 bytes) and fuse_rename2_in (RENAME2), then two names. */
  static final class RenameIn {
    static final int NEWDIR = 0;
    static final int FLAGS = 8; // RENAME2 only
    static final int SIZE = 8;
    static final int SIZE2 = 16;
  }

  static final class LinkIn {
    static final int OLDNODEID = 0;
    static final int SIZE = 8;
  }

  static final class OpenIn {
    static final int FLAGS = 0;
    static final int OPEN_FLAGS = 4;
    static final int SIZE = 8;
  }

  /** struct fuse_create_in, then the name. */
  static final class CreateIn {
    static final int FLAGS = 0;
    static final int MODE = 4;
    static final int UMASK = 8;
    static final int OPEN_FLAGS = 12;
    static final int SIZE = 16;
  }

  static final class OpenOut {
    static final int FH = 0;
    static final int OPEN_FLAGS = 8;
    static final int SIZE = 16;
  }

  static final class ReleaseIn {
    static final int FH = 0;
    static final int FLAGS = 8;
    static final int RELEASE_FLAGS = 12;
    static final int LOCK_OWNER = 16;
    static final int SIZE = 24;
  }

  static final class FlushIn {
    static final int FH = 0;
    static final int LOCK_OWNER = 16;
    static final int SIZE = 24;
  }

  /** struct fuse_read_in; READDIR and READDIRPLUS use it too. */
  static final class ReadIn {
    static final int FH = 0;
    static final int OFFSET = 8;
    static final int SIZE_ = 16;
    static final int READ_FLAGS = 20;
    static final int LOCK_OWNER = 24;
    static final int FLAGS = 32;
    static final int SIZE = 40;
  }

  /** struct fuse_write_in, then the data. */
  static final class WriteIn {
    static final int FH = 0;
    static final int OFFSET = 8;
    static final int SIZE_ = 16;
    static final int WRITE_FLAGS = 20;
    static final int LOCK_OWNER = 24;
    static final int FLAGS = 32;
    static final int SIZE = 40;
  }

  static final class WriteOut {
    static final int SIZE_ = 0;
    static final int SIZE = 8;
  }

  /** struct fuse_statfs_out (a struct fuse_kstatfs). */
  static final class StatfsOut {
    static final int BLOCKS = 0;
    static final int BFREE = 8;
    static final int BAVAIL = 16;
    static final int FILES = 24;
    static final int FFREE = 32;
    static final int BSIZE = 40;
    static final int NAMELEN = 44;
    static final int FRSIZE = 48;
    static final int SIZE = 80;
  }

  /** struct fuse_fsync_in: FSYNC and FSYNCDIR. */
  static final class FsyncIn {
    static final int FH = 0;
    static final int FSYNC_FLAGS = 8;
    static final int SIZE = 16;
  }

  /** struct fuse_file_lock, inside fuse_lk_in and fuse_lk_out. */
  static final class FuseFileLock {
    static final int START = 0;
    static final int END = 8;
    static final int TYPE = 16;
    static final int PID = 20;
    static final int SIZE = 24;
  }

  /** struct fuse_lk_in: GETLK, SETLK, SETLKW. */
  static final class LkIn {
    static final int FH = 0;
    static final int OWNER = 8;
    static final int LK = 16;
    static final int LK_FLAGS = 40;
    static final int SIZE = 48;
  }

  static final class InterruptIn {
    static final int UNIQUE = 0;
    static final int SIZE = 8;
  }

  static final class AccessIn {
    static final int MASK = 0;
    static final int SIZE = 8;
  }

  /** struct fuse_getxattr_in: GETXATTR (then the name) and LISTXATTR. */
  static final class GetxattrIn {
    static final int SIZE_ = 0;
    static final int SIZE = 8;
  }

  static final class GetxattrOut {
    static final int SIZE_ = 0;
    static final int SIZE = 8;
  }

  /** struct fuse_setxattr_in: 8 bytes unless SETXATTR_EXT was agreed, then name and value. */
  static final class SetxattrIn {
    static final int SIZE_ = 0;
    static final int FLAGS = 4;
    static final int SIZE_COMPAT = 8;
  }

  static final class FallocateIn {
    static final int FH = 0;
    static final int OFFSET = 8;
    static final int LENGTH = 16;
    static final int MODE = 24;
    static final int SIZE = 32;
  }

  static final class LseekIn {
    static final int FH = 0;
    static final int OFFSET = 8;
    static final int WHENCE = 16;
    static final int SIZE = 24;
  }

  static final class LseekOut {
    static final int OFFSET = 0;
    static final int SIZE = 8;
  }

  /** struct fuse_dirent: READDIR's records, each padded to 8 bytes. */
  static final class Dirent {
    static final int INO = 0;
    static final int OFF = 8;
    static final int NAMELEN = 16;
    static final int TYPE = 20;
    static final int NAME = 24;
  }

  /** struct fuse_direntplus: a fuse_entry_out, then a fuse_dirent. */
  static final class DirentPlus {
    static final int ENTRY = 0;
    static final int DIRENT = 128;
    static final int NAME = DIRENT + Dirent.NAME;
  }

  static final class NotifyInvalInodeOut {
    static final int INO = 0;
    static final int OFF = 8;
    static final int LEN = 16;
    static final int SIZE = 24;
  }

  /** struct fuse_notify_inval_entry_out, then the name and a NUL. */
  static final class NotifyInvalEntryOut {
    static final int PARENT = 0;
    static final int NAMELEN = 8;
    static final int FLAGS = 12;
    static final int SIZE = 16;
  }

  /** struct fuse_notify_delete_out, then the name and a NUL. */
  static final class NotifyDeleteOut {
    static final int PARENT = 0;
    static final int CHILD = 8;
    static final int NAMELEN = 16;
    static final int SIZE = 24;
  }

  /** struct fuse_notify_store_out, then the data. */
  static final class NotifyStoreOut {
    static final int NODEID = 0;
    static final int OFFSET = 8;
    static final int SIZE_ = 16;
    static final int SIZE = 24;
  }

  /** Records in a READDIR(PLUS) reply start on 8-byte boundaries (FUSE_REC_ALIGN). */
  static int align8(int n) {
    return (n + 7) & ~7;
  }
}
