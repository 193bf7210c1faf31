package io.hearth.fuse;

import io.hearth.client.DirEntry;
import io.hearth.client.DirPage;
import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import io.hearth.client.Stat;
import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.cryptomator.jfuse.api.DirFiller;
import org.cryptomator.jfuse.api.FileInfo;
import org.cryptomator.jfuse.api.FuseConfig;
import org.cryptomator.jfuse.api.FuseConnInfo;
import org.cryptomator.jfuse.api.FuseOperations;
import org.cryptomator.jfuse.api.Statvfs;
import org.cryptomator.jfuse.api.TimeSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FUSE file system: each libfuse (high-level, path-based) operation becomes one call on the
 * client API ({@link HearthClient}, {@link HearthFile}) made with the calling process's
 * credentials, and its {@link HearthException} becomes -errno. No logic of its own beyond that
 * translation: permissions, ownership and setgid inheritance are the namespace's; buffering,
 * ordering and durability are the client VFS's. The one thing it adds is for the kernel's caches:
 * open drops the path's cache (close-to-open), and a change to a hard-linked file drops the cache
 * of its other names ({@link HardLinks}).
 *
 * <p>Threads: libfuse calls from its worker threads (up to 10 at once by default); every method is
 * thread-safe. A call blocks its worker until the cluster answers; the client retries through
 * leader changes for up to its deadline (60 s) before reporting ETIMEDOUT or EIO.
 *
 * <p>Durability: flush (every close(2)) and fsync return once what the handle wrote is on a
 * majority of disks and in the namespace, so a close that returned 0 loses nothing.
 */
final class HearthFs implements FuseOperations {
  private static final Logger LOG = LoggerFactory.getLogger(HearthFs.class);

  /** Directory entries fetched per readdir request. */
  static final int READDIR_PAGE_ENTRIES = 256;

  // Linux open(2) flags HearthFile understands (same values).
  private static final int OPEN_FLAGS_KNOWN =
      HearthFile.O_ACCMODE
          | HearthFile.O_CREAT
          | HearthFile.O_EXCL
          | HearthFile.O_TRUNC
          | HearthFile.O_APPEND;

  private static final int LINUX_RENAME_NOREPLACE = 1;
  private static final int LINUX_RENAME_EXCHANGE = 2;
  private static final int FALLOC_FL_KEEP_SIZE = 1;

  /** Cookies 1 and 2 are "." and ".."; the namespace's are far larger (log index << 8). */
  private static final long COOKIE_DOT = 1;

  private static final long COOKIE_DOTDOT = 2;

  private final HearthClient client;
  private final FuseNative fuse;
  private final Callers callers;
  private final MountOptions options;
  private final Handles handles = new Handles();
  private final HardLinks hardLinks = new HardLinks();
  private final org.cryptomator.jfuse.api.Errno jfuseErrno;

  HearthFs(
      HearthClient client,
      FuseNative fuse,
      Callers callers,
      MountOptions options,
      org.cryptomator.jfuse.api.Errno jfuseErrno) {
    this.client = client;
    this.fuse = fuse;
    this.callers = callers;
    this.options = options;
    this.jfuseErrno = jfuseErrno;
  }

  @FunctionalInterface
  private interface Call {
    int run() throws HearthException;
  }

  /** Runs one operation; any failure becomes -errno, never an exception into libfuse. */
  private static int call(String op, String path, Call c) {
    if (!op.equals("getattr")) {
      ANSWERED.remove();
    }
    if (LOG.isDebugEnabled()) {
      long t0 = System.nanoTime();
      int r = run(op, path, c);
      LOG.debug("{} {} -> {} in {} us", op, path, r, (System.nanoTime() - t0) / 1000);
      return r;
    }
    return run(op, path, c);
  }

  private static int run(String op, String path, Call c) {
    try {
      return c.run();
    } catch (HearthException e) {
      if (e.errno() == Errno.EIO || e.errno() == Errno.ETIMEDOUT) {
        LOG.warn("{} {}: {}", op, path, e.getMessage());
      }
      return -e.errno().code();
    } catch (RuntimeException | Error e) {
      LOG.error("{} {}: unexpected failure, answering EIO", op, path, e);
      return -Errno.EIO.code();
    }
  }

  /**
   * The attributes an operation on {@code path} just got back from the namespace. libfuse answers a
   * mkdir, create, mknod, symlink, link or setattr with the attributes of the path, which it gets
   * by calling getattr right after the operation, on the same thread, for the same request: that
   * getattr takes them from here instead of asking the servers again. Any other operation on the
   * thread forgets them, so they never outlive the request that produced them.
   */
  private record Answered(String path, Stat stat) {}

  private static final ThreadLocal<Answered> ANSWERED = new ThreadLocal<>();

  /** Keeps {@code s} for the getattr that follows on this thread; returns 0. */
  private static int answered(String path, Stat s) {
    ANSWERED.set(new Answered(path, s));
    return 0;
  }

  /** The attributes just answered for {@code path} on this thread, once; else null. */
  private static Stat takeAnswered(String path) {
    Answered a = ANSWERED.get();
    ANSWERED.remove();
    return a != null && a.path().equals(path) ? a.stat() : null;
  }

  /** The client acting as the process behind the current request. */
  private HearthClient caller() {
    return client.withCredentials(callers.current());
  }

  @Override
  public org.cryptomator.jfuse.api.Errno errno() {
    return jfuseErrno;
  }

  @Override
  public Set<Operation> supportedOperations() {
    return EnumSet.allOf(Operation.class);
  }

  // ---- lifecycle ----

  @Override
  public void init(FuseConnInfo conn, FuseConfig config) {
    int want = conn.want() | (conn.capable() & FuseConnInfo.FUSE_CAP_PARALLEL_DIROPS);
    want |= conn.capable() & FuseConnInfo.FUSE_CAP_READDIRPLUS;
    want |= conn.capable() & FuseConnInfo.FUSE_CAP_ATOMIC_O_TRUNC;
    // The namespace drops setuid/setgid on write and truncate itself (FileMode.dropPrivileges).
    // Where the kernel still sends its own chmod for it, as the writer (seen with libfuse 3.14's
    // high-level API), the namespace lets anyone who may write the file make that chmod.
    want |= conn.capable() & FuseConnInfo.FUSE_CAP_HANDLE_KILLPRIV;
    if (options.writebackCache()) {
      want |= conn.capable() & FuseConnInfo.FUSE_CAP_WRITEBACK_CACHE;
    } else {
      want &= ~FuseConnInfo.FUSE_CAP_WRITEBACK_CACHE;
    }
    conn.setWant(want);
    LOG.debug(
        "FUSE capable {} want {}", Integer.toHexString(conn.capable()), Integer.toHexString(want));
    conn.setMaxWrite(options.maxWriteBytes());
    conn.setMaxReadahead(options.readaheadKb() * 1024);
    NativeStructs.configure(config, options);
  }

  @Override
  public void destroy() {
    int failed = handles.closeAll();
    if (failed > 0) {
      LOG.warn("{} open files could not flush at unmount", failed);
    }
  }

  // ---- attributes ----

  @Override
  public int getattr(String path, org.cryptomator.jfuse.api.Stat stat, FileInfo fi) {
    return call(
        "getattr",
        path,
        () -> {
          Stat s = takeAnswered(path);
          if (s == null) {
            HearthFile f = fi == null ? null : handles.find(fi.getFh());
            s = f != null ? f.stat() : caller().lstat(path);
          }
          hardLinks.saw(path, s);
          NativeStructs.fill(stat, s);
          return 0;
        });
  }

  @Override
  public int chmod(String path, int mode, FileInfo fi) {
    return call("chmod", path, () -> changed(path, caller().chmod(path, mode, false)));
  }

  @Override
  public int chown(String path, int uid, int gid, FileInfo fi) {
    return call("chown", path, () -> changed(path, caller().chown(path, uid, gid, false)));
  }

  @Override
  public int utimens(String path, TimeSpec atime, TimeSpec mtime, FileInfo fi) {
    return call(
        "utimens", path, () -> changed(path, caller().utimens(path, ns(atime), ns(mtime), false)));
  }

  private static long ns(TimeSpec t) {
    if (t.isUtimeNow()) {
      return HearthClient.UTIME_NOW;
    }
    if (t.isUtimeOmit()) {
      return HearthClient.UTIME_OMIT;
    }
    var i = t.get();
    return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L), i.getNano());
  }

  @Override
  public int truncate(String path, long size, FileInfo fi) {
    return call(
        "truncate",
        path,
        () -> {
          HearthFile f = fi == null ? null : handles.find(fi.getFh());
          if (f != null) {
            f.truncate(size);
            dropOtherNames(f.ino(), path);
          } else {
            long ino = hardLinks.inoAt(path);
            caller().truncate(path, size);
            dropOtherNames(ino, path);
          }
          return 0;
        });
  }

  @Override
  public int access(String path, int mask) {
    return call(
        "access",
        path,
        () -> {
          HearthClient c = caller();
          if (mask == 0) {
            c.lstat(path); // F_OK: exists
          } else {
            c.access(path, mask);
          }
          return 0;
        });
  }

  @Override
  public int statfs(String path, Statvfs statvfs) {
    return call(
        "statfs",
        path,
        () -> {
          NativeStructs.fill(statvfs, client.statfs());
          return 0;
        });
  }

  // ---- names ----

  @Override
  public int mkdir(String path, int mode) {
    return call("mkdir", path, () -> answered(path, caller().mkdir(path, mode & 07777)));
  }

  /** mknod(2): regular files, FIFOs, sockets; devices for root (the namespace checks). */
  int mknod(String path, int mode, long rdev) {
    return call("mknod", path, () -> answered(path, caller().mknod(path, mode, rdev)));
  }

  @Override
  public int unlink(String path) {
    return call(
        "unlink",
        path,
        () -> {
          long ino = hardLinks.inoAt(path);
          caller().unlink(path);
          hardLinks.moved(path, null);
          dropOtherNames(ino, path); // their link count went down
          return 0;
        });
  }

  @Override
  public int rmdir(String path) {
    return call(
        "rmdir",
        path,
        () -> {
          caller().rmdir(path);
          return 0;
        });
  }

  /** libfuse passes the link's contents first, then the path of the new link. */
  @Override
  public int symlink(String target, String linkPath) {
    return call("symlink", linkPath, () -> answered(linkPath, caller().symlink(target, linkPath)));
  }

  @Override
  public int link(String existing, String newPath) {
    return call(
        "link",
        newPath,
        () -> {
          Stat s = caller().link(existing, newPath);
          hardLinks.saw(existing, s);
          return changed(newPath, s); // the kernel has the new name's attributes from the reply
        });
  }

  @Override
  public int rename(String from, String to, int flags) {
    return call(
        "rename",
        from,
        () -> {
          int wire = 0;
          if ((flags & LINUX_RENAME_NOREPLACE) != 0) {
            wire |= HearthClient.RENAME_NOREPLACE;
          }
          if ((flags & LINUX_RENAME_EXCHANGE) != 0) {
            wire |= HearthClient.RENAME_EXCHANGE;
          }
          if ((flags & ~(LINUX_RENAME_NOREPLACE | LINUX_RENAME_EXCHANGE)) != 0) {
            throw new HearthException(Errno.EINVAL, "rename flags " + flags); // RENAME_WHITEOUT
          }
          long replaced = hardLinks.inoAt(to);
          caller().rename(from, to, wire);
          if ((wire & HearthClient.RENAME_EXCHANGE) == 0) {
            hardLinks.moved(to, null);
            dropOtherNames(replaced, to); // the replaced file lost a link
            hardLinks.moved(from, to);
          }
          return 0;
        });
  }

  @Override
  public int readlink(String path, ByteBuffer buf, long len) {
    return call(
        "readlink",
        path,
        () -> {
          byte[] target = caller().readlink(path).getBytes(StandardCharsets.UTF_8);
          int room = (int) Math.min(len, buf.remaining()) - 1; // the NUL libfuse expects
          if (room < 0) {
            throw new HearthException(Errno.EINVAL, "empty readlink buffer");
          }
          buf.put(target, 0, Math.min(room, target.length)).put((byte) 0);
          return 0;
        });
  }

  // ---- directories ----

  @Override
  public int opendir(String path, FileInfo fi) {
    return call(
        "opendir",
        path,
        () -> {
          HearthClient c = caller();
          if (!c.lstat(path).isDir()) {
            throw new HearthException(Errno.ENOTDIR, path);
          }
          if (c.credentials().uid() != 0) {
            c.access(path, 4); // R_OK: listing needs read permission
          }
          return 0;
        });
  }

  @Override
  public int readdir(String path, DirFiller filler, long offset, FileInfo fi, int flags) {
    return call(
        "readdir",
        path,
        () -> {
          boolean plus = (flags & FuseOperations.FUSE_READDIR_PLUS) != 0;
          int fillFlags = plus ? DirFiller.FUSE_FILL_DIR_PLUS : 0;
          HearthClient c = caller();
          long cookie = offset;
          if (cookie < COOKIE_DOTDOT) {
            var self = c.lstatAsync(path);
            var parent = c.lstatAsync(path.equals("/") ? "/" : parentOf(path));
            if (cookie < COOKIE_DOT
                && filler.fill(".", s -> dotEntry(s, self), COOKIE_DOT, 0) != 0) {
              return 0;
            }
            if (filler.fill("..", s -> dotEntry(s, parent), COOKIE_DOTDOT, 0) != 0) {
              return 0;
            }
            cookie = COOKIE_DOTDOT;
          }
          while (true) {
            long after = cookie == COOKIE_DOTDOT ? 0 : cookie;
            DirPage page = c.readdir(path, after, READDIR_PAGE_ENTRIES, plus);
            for (DirEntry e : page.entries()) {
              if (plus && e.stat() != null) {
                hardLinks.saw(path.equals("/") ? "/" + e.name() : path + "/" + e.name(), e.stat());
              }
              int full =
                  plus && e.stat() != null
                      ? filler.fill(
                          e.name(), s -> NativeStructs.fill(s, e.stat()), e.cookie(), fillFlags)
                      : filler.fill(
                          e.name(),
                          s -> NativeStructs.fillEntry(s, e.ino(), e.type()),
                          e.cookie(),
                          0);
              if (full != 0) {
                return 0; // the kernel's buffer is full: it asks again from this entry's cookie
              }
              cookie = e.cookie();
            }
            if (page.eof() || page.entries().isEmpty()) {
              return 0;
            }
          }
        });
  }

  private static String parentOf(String path) {
    int slash = path.lastIndexOf('/');
    return slash <= 0 ? "/" : path.substring(0, slash);
  }

  /** "." and "..": the inode number matters (readdir(3) hides d_ino 0); the type is a dir. */
  private static void dotEntry(
      org.cryptomator.jfuse.api.Stat s, java.util.concurrent.CompletableFuture<Stat> dir) {
    Stat st;
    try {
      st = HearthClient.join(dir); // the client bounds it by its call deadline
    } catch (HearthException e) {
      st = null; // the listing goes on; the entry still needs a number
    }
    NativeStructs.fillEntry(s, st != null ? st.ino() : 1, FileMode.S_IFDIR);
  }

  @Override
  public int releasedir(String path, FileInfo fi) {
    return 0;
  }

  /** Namespace changes are on a majority of disks before they return: nothing left to sync. */
  @Override
  public int fsyncdir(String path, int datasync, FileInfo fi) {
    return 0;
  }

  // ---- files ----

  @Override
  public int create(String path, int mode, FileInfo fi) {
    return call(
        "create",
        path,
        () -> {
          // One request: created, or (another mount created it since this kernel looked, and no
          // O_EXCL) opened, truncated if asked; either way the attributes are the namespace's.
          int flags = fi.getFlags() & OPEN_FLAGS_KNOWN;
          HearthFile f = caller().open(path, flags | HearthFile.O_CREAT, mode & 07777);
          fi.setFh(handles.add(f));
          return answered(path, f.statAtOpen());
        });
  }

  @Override
  public int open(String path, FileInfo fi) {
    return call(
        "open",
        path,
        () -> {
          int flags = fi.getFlags() & OPEN_FLAGS_KNOWN & ~(HearthFile.O_CREAT | HearthFile.O_EXCL);
          // Close-to-open: what another mount wrote and closed must be read whole, so the size
          // and pages this kernel cached for the path go (the page cache goes anyway: no
          // kernel_cache). Within this mount the kernel's own view was already current. Done
          // before the open, so that nothing can fail between opening and handing out the file.
          fuse.invalidate(path);
          fi.setFh(handles.add(caller().open(path, flags)));
          return 0;
        });
  }

  @Override
  public int read(String path, ByteBuffer buf, long size, long offset, FileInfo fi) {
    return call(
        "read",
        path,
        () -> {
          HearthFile f = handles.get(fi.getFh());
          buf.limit((int) Math.min(buf.capacity(), size));
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
  public int write(String path, ByteBuffer buf, long size, long offset, FileInfo fi) {
    return call(
        "write",
        path,
        () -> {
          buf.limit((int) Math.min(buf.capacity(), size));
          return handles.get(fi.getFh()).pwrite(buf, offset);
        });
  }

  /** Called at every close(2) of a descriptor: the close returns 0 only once the data is safe. */
  @Override
  public int flush(String path, FileInfo fi) {
    return call(
        "flush",
        path,
        () -> {
          HearthFile f = handles.get(fi.getFh());
          f.flush();
          return flushed(path, f);
        });
  }

  @Override
  public int fsync(String path, int datasync, FileInfo fi) {
    return call(
        "fsync",
        path,
        () -> {
          HearthFile f = handles.get(fi.getFh());
          f.fsync();
          return flushed(path, f);
        });
  }

  /** After flush and fsync: the file's other names show the stored writes too. */
  private int flushed(String path, HearthFile f) {
    dropOtherNames(f.ino(), path); // libfuse passes no open flags to flush: read-only ones too
    return 0;
  }

  @Override
  public int release(String path, FileInfo fi) {
    return call(
        "release",
        path,
        () -> {
          handles.remove(fi.getFh()).close();
          return 0;
        });
  }

  /**
   * fallocate(2): mode 0 extends the size (the new range reads as zeros); FALLOC_FL_KEEP_SIZE
   * changes nothing. Space is not reserved ahead: blocks are allocated as they are written, and a
   * full cluster reports ENOSPC then. Other modes (punch or zero a range) are EOPNOTSUPP.
   */
  int fallocate(String path, int mode, long offset, long length, long fh) {
    return call(
        "fallocate",
        path,
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
          return 0;
        });
  }

  // ---- extended attributes ----

  @Override
  public int setxattr(String path, String name, ByteBuffer value, int flags) {
    return call(
        "setxattr",
        path,
        () -> {
          byte[] v = new byte[value.remaining()];
          value.get(v);
          caller().setxattr(path, name, v, flags);
          return 0;
        });
  }

  @Override
  public int getxattr(String path, String name, ByteBuffer value) {
    return call("getxattr", path, () -> copyOut(caller().getxattr(path, name), value));
  }

  @Override
  public int listxattr(String path, ByteBuffer list) {
    return call(
        "listxattr",
        path,
        () -> {
          List<String> names = caller().listxattr(path);
          ByteBuffer all =
              ByteBuffer.allocate(names.stream().mapToInt(n -> n.length() * 4 + 1).sum());
          for (String n : names) {
            all.put(n.getBytes(StandardCharsets.UTF_8)).put((byte) 0);
          }
          all.flip();
          byte[] bytes = new byte[all.remaining()];
          all.get(bytes);
          return copyOut(bytes, list);
        });
  }

  @Override
  public int removexattr(String path, String name) {
    return call(
        "removexattr",
        path,
        () -> {
          caller().removexattr(path, name);
          return 0;
        });
  }

  /** The xattr protocol: a zero-size buffer asks for the size; a short one is ERANGE. */
  private static int copyOut(byte[] bytes, ByteBuffer dst) throws HearthException {
    if (dst.capacity() == 0) {
      return bytes.length;
    }
    if (dst.remaining() < bytes.length) {
      throw new HearthException(Errno.ERANGE, bytes.length + " bytes do not fit");
    }
    dst.put(bytes);
    return bytes.length;
  }

  /** An inode changed through {@code path}: see {@link #dropOtherNames}. */
  private int changed(String path, Stat s) {
    hardLinks.saw(path, s);
    dropOtherNames(s.ino(), path);
    return answered(path, s);
  }

  /**
   * Drops what the kernel cached for the other names of a hard-linked file changed through {@code
   * path} (see {@link HardLinks}); nothing for a file with one name or for {@code ino} -1.
   */
  private void dropOtherNames(long ino, String path) {
    if (ino < 0) {
      return;
    }
    for (String other : hardLinks.othersOf(ino, path)) {
      fuse.invalidate(other);
    }
  }

  int openFiles() {
    return handles.size();
  }
}
