package io.hearth.fuse;

import io.hearth.client.Credentials;
import io.hearth.client.DirEntry;
import io.hearth.client.DirPage;
import io.hearth.client.FileLocks;
import io.hearth.client.FsStat;
import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import io.hearth.client.Inodes;
import io.hearth.client.Stat;
import io.hearth.fuse.kernel.Attr;
import io.hearth.fuse.kernel.AttrReply;
import io.hearth.fuse.kernel.Caller;
import io.hearth.fuse.kernel.Connection;
import io.hearth.fuse.kernel.Created;
import io.hearth.fuse.kernel.DirSink;
import io.hearth.fuse.kernel.Entry;
import io.hearth.fuse.kernel.Errnos;
import io.hearth.fuse.kernel.FileLock;
import io.hearth.fuse.kernel.FuseAbi;
import io.hearth.fuse.kernel.FuseError;
import io.hearth.fuse.kernel.InodeFileSystem;
import io.hearth.fuse.kernel.Opened;
import io.hearth.fuse.kernel.SetAttr;
import io.hearth.fuse.kernel.StatFs;
import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.SetattrReq;
import io.hearth.protocol.posix.LockTable;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hearth served to the kernel by inode (FUSE's low-level protocol on /dev/fuse): each request
 * becomes one call of the client's inode API ({@link Inodes}, {@link HearthFile}) made with the
 * caller's credentials, and its {@link HearthException} becomes -errno. Node ids are Hearth's inode
 * numbers (the root is 1 in both); inode numbers are never reused, so every generation is 1.
 *
 * <p>What it adds for the kernel's caches ({@link KernelCaches}): names and attributes cached for
 * the mount's timeouts (shorter for a file lately seen changing on another node), missing names for
 * the negative timeout; at open, FOPEN_KEEP_CACHE when the file's contents are those the kernel
 * last cached (the same data version), else its pages go (close-to-open across mounts); and when a
 * reply shows a file changed since the kernel last saw it, the kernel's attributes and pages of it
 * are dropped at once (pushed, not waited for).
 *
 * <p>Locks: POSIX record locks and flock reach {@link FileLocks} (the kernel keeps none): a close
 * (FLUSH) releases its owner's record locks, the release of an open file description its flock.
 *
 * <p>Threads: the session's request threads call it concurrently; every method is thread-safe. A
 * call blocks its thread until the cluster answers (the client bounds it at 60 s); a blocked
 * F_SETLKW or flock waits until granted or interrupted.
 */
final class HearthInodeFs implements InodeFileSystem {
  private static final Logger LOG = LoggerFactory.getLogger(HearthInodeFs.class);

  /** Directory entries fetched per readdir request from the namespace. */
  static final int READDIR_PAGE_ENTRIES = 256;

  /** How long a lock's answer waits for the kernel to drop pages the grant found stale. */
  static final long PUSH_WAIT_MS = 2_000;

  /** Linux open(2) flags the client understands (same values). */
  private static final int OPEN_FLAGS_KNOWN =
      HearthFile.O_ACCMODE
          | HearthFile.O_CREAT
          | HearthFile.O_EXCL
          | HearthFile.O_TRUNC
          | HearthFile.O_APPEND
          | HearthFile.O_NOFOLLOW
          | HearthFile.O_DIRECTORY;

  private static final int FALLOC_FL_KEEP_SIZE = 1;

  /** Offsets 1 and 2 are "." and ".."; the namespace's cookies are far larger (log index << 8). */
  private static final long COOKIE_DOT = 1;

  private static final long COOKIE_DOTDOT = 2;

  /** "Which requests has the kernel sent?": answered by the bridge for operators and benchmarks. */
  static final byte[] STATS_XATTR =
      "hearth.requests".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final HearthClient client;
  private final Callers callers;
  private final MountOptions options;
  private final FileLocks locks;
  private final Handles handles = new Handles();
  private final KernelCaches caches;
  private final RequestCounts counts;
  private volatile io.hearth.fuse.kernel.Notifier notifier;

  HearthInodeFs(
      HearthClient client,
      Callers callers,
      MountOptions options,
      FileLocks locks,
      KernelCaches caches,
      RequestCounts counts) {
    this.client = client;
    this.callers = callers;
    this.options = options;
    this.locks = locks;
    this.caches = caches;
    this.counts = counts;
  }

  @FunctionalInterface
  private interface Call<T> {
    T run() throws HearthException;
  }

  /** Runs one request's work; a HearthException becomes its errno, as FUSE answers. */
  private static <T> T call(String op, long node, Call<T> c) throws FuseError {
    try {
      return c.run();
    } catch (HearthException e) {
      if (e.errno() == Errno.EIO || e.errno() == Errno.ETIMEDOUT) {
        LOG.warn("{} of inode {}: {}", op, node, e.getMessage());
      }
      throw new FuseError(e.errno().code());
    }
  }

  private Inodes as(Caller c) {
    return client.withCredentials(callers.of(c)).inodes();
  }

  private Credentials credentialsOf(Caller c) {
    return callers.of(c);
  }

  /** Where pushed invalidations go; set once the session is mounted. */
  void notifyThrough(io.hearth.fuse.kernel.Notifier n) {
    this.notifier = n;
  }

  @Override
  public void init(Connection conn) {
    LOG.info(
        "FUSE protocol 7.{}: max write {} KiB, readahead {} KiB",
        conn.minor(),
        conn.maxWrite() >> 10,
        conn.maxReadahead() >> 10);
  }

  @Override
  public void destroy() {
    int failed = handles.closeAll();
    if (failed > 0) {
      LOG.warn("{} open files could not flush at unmount", failed);
    }
    caches.close();
    LOG.info("kernel requests served: {}", counts);
  }

  // ---- entries and attributes ----

  private Attr attr(Stat s) {
    caches.saw(s.ino(), s.dataVersion());
    return new Attr(
        s.ino(),
        s.size(),
        (s.size() + 511) / 512,
        s.atimeNs(),
        s.mtimeNs(),
        s.ctimeNs(),
        s.mode(),
        s.nlink(),
        s.uid(),
        s.gid(),
        (int) s.rdev(),
        1 << 20);
  }

  private Entry entry(Stat s) {
    caches.lookedUp(s.ino());
    return new Entry(
        s.ino(),
        1,
        attr(s),
        caches.validityNs(s.ino(), options.entryTimeoutNs()),
        caches.validityNs(s.ino(), options.attrTimeoutNs()));
  }

  private AttrReply attrReply(Stat s) {
    return new AttrReply(attr(s), caches.validityNs(s.ino(), options.attrTimeoutNs()));
  }

  @Override
  public Entry lookup(Caller c, long parent, byte[] name) throws FuseError {
    counts.count("lookup");
    try {
      return entry(as(c).lookup(parent, name));
    } catch (HearthException e) {
      if (e.errno() == Errno.ENOENT && options.negativeTimeoutNs() > 0) {
        return Entry.negative(options.negativeTimeoutNs()); // the kernel remembers the miss
      }
      throw new FuseError(e.errno().code());
    }
  }

  @Override
  public void forget(long nodeId, long nlookup) {
    counts.count("forget");
    caches.forget(nodeId, nlookup);
  }

  @Override
  public AttrReply getattr(Caller c, long nodeId, long fh) throws FuseError {
    counts.count("getattr");
    return call(
        "getattr",
        nodeId,
        () -> {
          HearthFile f = fh >= 0 ? handles.find(fh) : null;
          return attrReply(f != null ? f.stat() : as(c).getattr(nodeId));
        });
  }

  @Override
  public AttrReply setattr(Caller c, long nodeId, SetAttr s) throws FuseError {
    counts.count("setattr");
    return call(
        "setattr",
        nodeId,
        () -> {
          Inodes in = as(c);
          Stat out = null;
          if (s.has(FuseAbi.FATTR_SIZE)) {
            HearthFile f = s.has(FuseAbi.FATTR_FH) ? handles.find(s.fh()) : null;
            if (f != null) {
              f.truncate(s.size()); // through a writable descriptor: no second permission check
              out = f.stat();
            } else {
              out = in.truncate(nodeId, s.size());
            }
          }
          SetattrReq.Builder change = SetattrReq.newBuilder();
          boolean any = false;
          if (s.has(FuseAbi.FATTR_MODE)) {
            change.setMode(s.mode() & FileMode.PERM_MASK);
            any = true;
          }
          if (s.has(FuseAbi.FATTR_UID)) {
            change.setUid(s.uid());
            any = true;
          }
          if (s.has(FuseAbi.FATTR_GID)) {
            change.setGid(s.gid());
            any = true;
          }
          long atime = timeOf(s, FuseAbi.FATTR_ATIME, FuseAbi.FATTR_ATIME_NOW, s.atimeNs());
          long mtime = timeOf(s, FuseAbi.FATTR_MTIME, FuseAbi.FATTR_MTIME_NOW, s.mtimeNs());
          if (atime != HearthClient.UTIME_OMIT || mtime != HearthClient.UTIME_OMIT) {
            change.setAtime(timeChange(atime)).setMtime(timeChange(mtime));
            any = true;
          }
          if (any) {
            out = in.setattr(nodeId, change);
          }
          return attrReply(out != null ? out : in.getattr(nodeId));
        });
  }

  private static long timeOf(SetAttr s, int bit, int nowBit, long ns) {
    if (s.has(nowBit)) {
      return HearthClient.UTIME_NOW;
    }
    return s.has(bit) ? ns : HearthClient.UTIME_OMIT;
  }

  private static io.hearth.protocol.meta.TimeChange timeChange(long ns) {
    io.hearth.protocol.meta.TimeChange.Builder t = io.hearth.protocol.meta.TimeChange.newBuilder();
    if (ns == HearthClient.UTIME_NOW) {
      return t.setHow(io.hearth.protocol.meta.TimeHow.TIME_NOW).build();
    }
    if (ns == HearthClient.UTIME_OMIT) {
      return t.setHow(io.hearth.protocol.meta.TimeHow.TIME_OMIT).build();
    }
    return t.setHow(io.hearth.protocol.meta.TimeHow.TIME_SET).setNs(ns).build();
  }

  @Override
  public byte[] readlink(Caller c, long nodeId) throws FuseError {
    counts.count("readlink");
    return call("readlink", nodeId, () -> as(c).readlink(nodeId));
  }

  @Override
  public Entry symlink(Caller c, long parent, byte[] name, byte[] target) throws FuseError {
    counts.count("symlink");
    return call("symlink", parent, () -> entry(as(c).symlink(parent, name, target)));
  }

  @Override
  public Entry mknod(Caller c, long parent, byte[] name, int mode, int rdev, int umask)
      throws FuseError {
    counts.count("mknod");
    return call(
        "mknod",
        parent,
        () -> entry(as(c).mknod(parent, name, mode, Integer.toUnsignedLong(rdev))));
  }

  @Override
  public Entry mkdir(Caller c, long parent, byte[] name, int mode, int umask) throws FuseError {
    counts.count("mkdir");
    return call("mkdir", parent, () -> entry(as(c).mkdir(parent, name, mode & 07777)));
  }

  @Override
  public void unlink(Caller c, long parent, byte[] name) throws FuseError {
    counts.count("unlink");
    call(
        "unlink",
        parent,
        () -> {
          as(c).unlink(parent, name);
          return null;
        });
  }

  @Override
  public void rmdir(Caller c, long parent, byte[] name) throws FuseError {
    counts.count("rmdir");
    call(
        "rmdir",
        parent,
        () -> {
          as(c).rmdir(parent, name);
          return null;
        });
  }

  @Override
  public void rename(Caller c, long parent, byte[] name, long newParent, byte[] newName, int flags)
      throws FuseError {
    counts.count("rename");
    if ((flags & ~(HearthClient.RENAME_NOREPLACE | HearthClient.RENAME_EXCHANGE)) != 0) {
      throw new FuseError(Errnos.EINVAL); // RENAME_WHITEOUT: overlayfs's, not ours
    }
    call(
        "rename",
        parent,
        () -> {
          as(c).rename(parent, name, newParent, newName, flags);
          return null;
        });
  }

  @Override
  public Entry link(Caller c, long nodeId, long newParent, byte[] newName) throws FuseError {
    counts.count("link");
    return call("link", nodeId, () -> entry(as(c).link(nodeId, newParent, newName)));
  }

  // ---- files ----

  @Override
  public Opened open(Caller c, long nodeId, int flags) throws FuseError {
    counts.count("open");
    return call(
        "open",
        nodeId,
        () -> {
          HearthFile f = openByName(c, nodeId, flags);
          return new Opened(handles.add(f), openFlags(f));
        });
  }

  /**
   * An open(2) reaches the bridge by an inode the kernel found under a name, maybe a name cached
   * while another node has since unlinked or replaced it (sqlite's journal, deleted and made again
   * by each node's transactions). A file with no name left (or gone) answers ESTALE: the kernel
   * then does the open again with a fresh lookup (LOOKUP_REVAL), as NFS's close-to-open does, and
   * finds the current file, or creates it for O_CREAT, instead of writing into the orphan. A file
   * this mount still has open is opened as it is: that is a reopen through {@code /proc/PID/fd},
   * which Linux allows for a deleted file.
   */
  private HearthFile openByName(Caller c, long nodeId, int flags) throws HearthException {
    HearthFile f;
    try {
      f = as(c).open(nodeId, flags & OPEN_FLAGS_KNOWN);
    } catch (HearthException e) {
      if (e.errno() == Errno.ENOENT) {
        throw new HearthException(Errno.ESTALE, "inode " + nodeId + " has no name left");
      }
      throw e;
    }
    if (f.statAtOpen().nlink() == 0 && !handles.anyOf(nodeId)) { // the new one is not added yet
      f.close();
      throw new HearthException(Errno.ESTALE, "inode " + nodeId + " was unlinked elsewhere");
    }
    return f;
  }

  /**
   * FOPEN_KEEP_CACHE when the kernel's cached pages of the file are of the contents this open saw
   * (no other client wrote it since, and this mount did not write it through a cache of its own);
   * otherwise the kernel drops them: close-to-open across mounts.
   */
  private int openFlags(HearthFile f) {
    KernelCaches.OnOpen o = caches.opened(f.ino(), f.dataVersionAtOpen());
    if (o.attrsStale() && notifier != null) {
      // attributes only (offset -1): no page is touched, so no lock of the kernel's is needed
      notifier.invalInode(f.ino(), -1, 0);
    }
    return o.keepPages() ? FuseAbi.FOPEN_KEEP_CACHE : 0;
  }

  @Override
  public Created create(Caller c, long parent, byte[] name, int flags, int mode, int umask)
      throws FuseError {
    counts.count("create");
    return call(
        "create",
        parent,
        () -> {
          HearthFile f = as(c).create(parent, name, flags & OPEN_FLAGS_KNOWN, mode & 07777);
          long fh = handles.add(f);
          caches.opened(f.ino(), f.dataVersionAtOpen());
          return new Created(entry(f.statAtOpen()), new Opened(fh, 0));
        });
  }

  @Override
  public int read(Caller c, long nodeId, long fh, long offset, MemorySegment dst) throws FuseError {
    counts.count("read");
    return call(
        "read",
        nodeId,
        () -> {
          HearthFile f = handles.get(fh);
          ByteBuffer buf = dst.asByteBuffer();
          int total = 0;
          while (buf.hasRemaining()) { // FUSE wants the whole range unless the file ends first
            int n = f.pread(buf, offset + total);
            if (n <= 0) {
              break;
            }
            total += n;
          }
          return total;
        });
  }

  @Override
  public int write(Caller c, long nodeId, long fh, long offset, MemorySegment src, int writeFlags)
      throws FuseError {
    counts.count("write");
    return call(
        "write",
        nodeId,
        () -> {
          caches.wrote(nodeId);
          return handles.get(fh).pwrite(src.asByteBuffer(), offset);
        });
  }

  /**
   * Every close(2) of a descriptor: the data is safe when it returns, and the owner's locks go,
   * after the data: another node granted them next reads what was written under them.
   */
  @Override
  public void flush(Caller c, long nodeId, long fh, long lockOwner) throws FuseError {
    counts.count("flush");
    try {
      call(
          "flush",
          nodeId,
          () -> {
            HearthFile f = handles.get(fh);
            boolean setIds = (f.view().mode() & (FileMode.S_ISUID | FileMode.S_ISGID)) != 0;
            f.flush();
            if (setIds
                && credentialsOf(c).uid() != 0
                && (f.view().mode() & (FileMode.S_ISUID | FileMode.S_ISGID)) == 0
                && notifier != null) {
              // the namespace dropped setuid/setgid with this caller's write (HANDLE_KILLPRIV):
              // the kernel's cached mode is out of date; attributes only, no lock needed
              notifier.invalInode(nodeId, -1, 0);
            }
            return null;
          });
    } finally {
      locks.releaseAll(nodeId, owner(lockOwner));
    }
  }

  @Override
  public void release(long nodeId, long fh, int flags, long lockOwner, int releaseFlags) {
    counts.count("release");
    if ((releaseFlags & FuseAbi.RELEASE_FLOCK_UNLOCK) != 0) {
      locks.releaseFlock(nodeId, owner(lockOwner));
    }
    try {
      handles.remove(fh).close();
    } catch (HearthException e) {
      LOG.warn("release of inode {}: {}", nodeId, e.getMessage()); // flush reported it already
    }
  }

  @Override
  public void fsync(Caller c, long nodeId, long fh, boolean datasync) throws FuseError {
    counts.count("fsync");
    call(
        "fsync",
        nodeId,
        () -> {
          handles.get(fh).fsync();
          return null;
        });
  }

  @Override
  public void fallocate(Caller c, long nodeId, long fh, long offset, long length, int mode)
      throws FuseError {
    counts.count("fallocate");
    call(
        "fallocate",
        nodeId,
        () -> {
          if (offset < 0 || length <= 0) {
            throw new HearthException(Errno.EINVAL, "offset " + offset + " length " + length);
          }
          if ((mode & ~FALLOC_FL_KEEP_SIZE) != 0) {
            throw new HearthException(Errno.EOPNOTSUPP, "fallocate mode " + mode);
          }
          HearthFile f = handles.get(fh);
          long end = Math.addExact(offset, length);
          if (mode == 0 && end > f.size()) {
            f.truncate(end);
          }
          return null;
        });
  }

  // ---- directories ----

  @Override
  public Opened opendir(Caller c, long nodeId, int flags) throws FuseError {
    counts.count("opendir");
    return call(
        "opendir",
        nodeId,
        () -> {
          Inodes in = as(c);
          if (!in.getattr(nodeId).isDir()) {
            throw new HearthException(Errno.ENOTDIR, "inode " + nodeId);
          }
          if (credentialsOf(c).uid() != 0) {
            in.access(nodeId, 4); // R_OK: listing needs read permission
          }
          return new Opened(0, 0);
        });
  }

  @Override
  public void readdir(Caller c, long nodeId, long fh, long offset, DirSink sink) throws FuseError {
    counts.count(sink.plus() ? "readdirplus" : "readdir");
    call(
        "readdir",
        nodeId,
        () -> {
          Inodes in = as(c);
          long cookie = offset;
          if (cookie < COOKIE_DOT && !dot(sink, ".", nodeId, COOKIE_DOT)) {
            return null;
          }
          if (cookie < COOKIE_DOTDOT) {
            if (!dot(sink, "..", nodeId, COOKIE_DOTDOT)) {
              return null;
            }
            cookie = COOKIE_DOTDOT;
          }
          while (true) {
            long after = cookie == COOKIE_DOTDOT ? 0 : cookie;
            DirPage page = in.readdir(nodeId, after, READDIR_PAGE_ENTRIES, sink.plus());
            for (DirEntry e : page.entries()) {
              boolean fit =
                  sink.plus() && e.stat() != null
                      ? sink.addPlus(e.nameBytes(), entry(e.stat()), e.cookie())
                      : sink.add(e.nameBytes(), e.ino(), e.type(), e.cookie());
              if (!fit) {
                return null; // the kernel's buffer is full: it asks again from the last cookie
              }
              cookie = e.cookie();
            }
            if (page.eof() || page.entries().isEmpty()) {
              return null;
            }
          }
        });
  }

  /** "." and ".." carry no lookup (node id 0 in readdirplus); the kernel knows both. */
  private static boolean dot(DirSink sink, String name, long dir, long next) {
    byte[] n = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    return sink.plus()
        ? sink.addPlus(n, new Entry(0, 0, dirAttr(dir), 0, 0), next)
        : sink.add(n, dir, FileMode.S_IFDIR, next);
  }

  private static Attr dirAttr(long ino) {
    return new Attr(ino, 0, 0, 0, 0, 0, FileMode.S_IFDIR, 2, 0, 0, 0, 4096);
  }

  @Override
  public void releasedir(long nodeId, long fh) {}

  /** Namespace changes are on a majority of disks before they return: nothing left to sync. */
  @Override
  public void fsyncdir(Caller c, long nodeId, long fh, boolean datasync) {}

  @Override
  public StatFs statfs(Caller c, long nodeId) throws FuseError {
    counts.count("statfs");
    return call(
        "statfs",
        nodeId,
        () -> {
          FsStat f = client.statfs();
          return new StatFs(
              f.blocks(),
              f.blocksFree(),
              f.blocksAvail(),
              f.files(),
              f.filesFree(),
              f.blockSize(),
              f.nameMax(),
              f.blockSize());
        });
  }

  @Override
  public void access(Caller c, long nodeId, int mask) throws FuseError {
    counts.count("access");
    call(
        "access",
        nodeId,
        () -> {
          Inodes in = as(c);
          if (mask == 0) {
            in.getattr(nodeId); // F_OK: exists
          } else {
            in.access(nodeId, mask);
          }
          return null;
        });
  }

  /**
   * No HANDLE_KILLPRIV: the kernel drops setuid/setgid itself when someone else writes or truncates
   * (a SETATTR of the mode as the writer, which the namespace allows anyone who may write the
   * file), so that an fstat right after the write already shows them gone, as on a local disk
   * (pjdfstest chmod/12). The namespace drops them too, for clients that are not mounts.
   */
  @Override
  public long unwantedFlags() {
    return FuseAbi.HANDLE_KILLPRIV;
  }

  // ---- locks ----

  @Override
  public boolean posixLocks() {
    return true;
  }

  @Override
  public boolean flockLocks() {
    return true;
  }

  private static LockTable.Owner owner(long lockOwner) {
    return new LockTable.Owner(0, lockOwner);
  }

  private static LockTable.Type typeOf(int fuseType) throws FuseError {
    return switch (fuseType) {
      case FileLock.F_RDLCK -> LockTable.Type.READ;
      case FileLock.F_WRLCK -> LockTable.Type.WRITE;
      case FileLock.F_UNLCK -> LockTable.Type.UNLOCK;
      default -> throw new FuseError(Errnos.EINVAL);
    };
  }

  /** The kernel's inclusive range (end OFFSET_MAX: to EOF) as the table's [start, end). */
  private static LockTable.Lock lockOf(long lockOwner, FileLock l) throws FuseError {
    if (l.start() < 0 || l.end() < l.start()) {
      throw new FuseError(Errnos.EINVAL);
    }
    long end = l.end() == Long.MAX_VALUE ? LockTable.TO_EOF : l.end() + 1;
    return new LockTable.Lock(owner(lockOwner), typeOf(l.type()), l.start(), end, l.pid());
  }

  @Override
  public FileLock getlk(Caller c, long nodeId, long fh, long owner, FileLock lock)
      throws FuseError {
    counts.count("getlk");
    LockTable.Lock want = lockOf(owner, lock);
    Optional<LockTable.Lock> held = call("getlk", nodeId, () -> locks.test(nodeId, want));
    if (held.isEmpty()) {
      return new FileLock(lock.start(), lock.end(), FileLock.F_UNLCK, 0);
    }
    LockTable.Lock h = held.get();
    return new FileLock(
        h.start(),
        h.end() == LockTable.TO_EOF ? Long.MAX_VALUE : h.end() - 1,
        h.type() == LockTable.Type.WRITE ? FileLock.F_WRLCK : FileLock.F_RDLCK,
        h.pid());
  }

  @Override
  public void setlk(
      Caller c, long nodeId, long fh, long owner, FileLock lock, boolean sleep, boolean flock)
      throws FuseError {
    counts.count(flock ? "flock" : "setlk");
    LockTable.Type type = typeOf(lock.type());
    LockTable.Lock want = flock ? null : lockOf(owner, lock);
    call(
        "setlk",
        nodeId,
        () -> {
          if (flock) {
            locks.flock(nodeId, owner(owner), type, lock.pid(), sleep, c::interrupted);
          } else {
            locks.lock(nodeId, want, sleep, c::interrupted);
          }
          if (type != LockTable.Type.UNLOCK) {
            // a grant may have found the file changed by another node: the kernel's pages of it
            // are dropped before the locker reads under the lock
            caches.awaitPushed(PUSH_WAIT_MS);
          }
          return null;
        });
  }

  // ---- extended attributes ----

  @Override
  public void setxattr(Caller c, long nodeId, byte[] name, MemorySegment value, int flags)
      throws FuseError {
    counts.count("setxattr");
    byte[] v = value.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    call(
        "setxattr",
        nodeId,
        () -> {
          as(c).setxattr(nodeId, name, v, flags);
          return null;
        });
  }

  @Override
  public byte[] getxattr(Caller c, long nodeId, byte[] name, int size) throws FuseError {
    counts.count("getxattr");
    byte[] v =
        nodeId == FuseAbi.ROOT_ID && java.util.Arrays.equals(name, STATS_XATTR)
            ? counts.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII)
            : call("getxattr", nodeId, () -> as(c).getxattr(nodeId, name));
    if (size != 0 && v.length > size) {
      throw new FuseError(Errnos.ERANGE);
    }
    return v;
  }

  @Override
  public byte[] listxattr(Caller c, long nodeId, int size) throws FuseError {
    counts.count("listxattr");
    List<byte[]> names = call("listxattr", nodeId, () -> as(c).listxattr(nodeId));
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (byte[] n : names) {
      all.writeBytes(n);
      all.write(0);
    }
    byte[] v = all.toByteArray();
    if (size != 0 && v.length > size) {
      throw new FuseError(Errnos.ERANGE);
    }
    return v;
  }

  @Override
  public void removexattr(Caller c, long nodeId, byte[] name) throws FuseError {
    counts.count("removexattr");
    call(
        "removexattr",
        nodeId,
        () -> {
          as(c).removexattr(nodeId, name);
          return null;
        });
  }

  int openFiles() {
    return handles.size();
  }
}
