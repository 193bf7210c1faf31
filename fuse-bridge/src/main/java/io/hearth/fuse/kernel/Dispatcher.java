package io.hearth.fuse.kernel;

import static io.hearth.fuse.kernel.FuseAbi.*;

import io.hearth.fuse.kernel.Layout.AttrOut;
import io.hearth.fuse.kernel.Layout.CreateIn;
import io.hearth.fuse.kernel.Layout.EntryOut;
import io.hearth.fuse.kernel.Layout.FallocateIn;
import io.hearth.fuse.kernel.Layout.FlushIn;
import io.hearth.fuse.kernel.Layout.ForgetOne;
import io.hearth.fuse.kernel.Layout.FsyncIn;
import io.hearth.fuse.kernel.Layout.FuseFileLock;
import io.hearth.fuse.kernel.Layout.GetattrIn;
import io.hearth.fuse.kernel.Layout.GetxattrIn;
import io.hearth.fuse.kernel.Layout.GetxattrOut;
import io.hearth.fuse.kernel.Layout.InitOut;
import io.hearth.fuse.kernel.Layout.LinkIn;
import io.hearth.fuse.kernel.Layout.LkIn;
import io.hearth.fuse.kernel.Layout.LseekIn;
import io.hearth.fuse.kernel.Layout.LseekOut;
import io.hearth.fuse.kernel.Layout.MkdirIn;
import io.hearth.fuse.kernel.Layout.MknodIn;
import io.hearth.fuse.kernel.Layout.OpenIn;
import io.hearth.fuse.kernel.Layout.OpenOut;
import io.hearth.fuse.kernel.Layout.ReadIn;
import io.hearth.fuse.kernel.Layout.ReleaseIn;
import io.hearth.fuse.kernel.Layout.RenameIn;
import io.hearth.fuse.kernel.Layout.SetattrIn;
import io.hearth.fuse.kernel.Layout.SetxattrIn;
import io.hearth.fuse.kernel.Layout.StatfsOut;
import io.hearth.fuse.kernel.Layout.WriteIn;
import io.hearth.fuse.kernel.Layout.WriteOut;
import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one request: decodes its arguments at fuse.h's offsets, calls the {@link InodeFileSystem},
 * encodes the reply in the thread's buffer and writes it. Any {@link FuseError} becomes -errno;
 * anything else thrown is logged and answered EIO, so no request is left without its reply (the
 * caller would hang in the kernel). FORGET, BATCH_FORGET, INTERRUPT (mostly) and NOTIFY_REPLY get
 * no reply, as the protocol says.
 *
 * <p>Stateless but for the settled {@link Connection}; one instance serves every request thread.
 */
final class Dispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

  /** What the session is to the dispatcher: INIT, DESTROY and INTERRUPT reach beyond a request. */
  interface Control {
    long wantedFlags();

    int maxWrite();

    int maxReadahead();

    int pageSize();

    void initialized(Connection c);

    void destroyed();

    /** True if a request with this unique is being served (and is now marked interrupted). */
    boolean interrupt(long unique);
  }

  private final InodeFileSystem fs;
  private final Control control;
  private volatile Connection conn;

  Dispatcher(InodeFileSystem fs, Control control) {
    this.fs = fs;
    this.control = control;
  }

  Connection connection() {
    return conn;
  }

  /** Serves {@code req} and writes its reply (if any) to {@code ch}. */
  void serve(Request req, Reply out, DirBuffer dir, Channel ch) {
    int op = req.opcode();
    try {
      int len = run(op, req, out, dir);
      if (len >= 0) {
        send(ch, req, out, 0, len);
      }
    } catch (FuseError e) {
      send(ch, req, out, -e.errno(), 0);
    } catch (RuntimeException | Error e) {
      LOG.error("{} of node {}: unexpected failure, answering EIO", opName(op), req.nodeId(), e);
      send(ch, req, out, -Errnos.EIO, 0);
    }
  }

  private static final int NO_REPLY = -1;

  private static void send(Channel ch, Request req, Reply out, int error, int payload) {
    int total = out.header(req.unique(), error, payload);
    int r = ch.write(out.buffer(), total);
    if (r < 0 && r != -Errnos.ENOENT) {
      // ENOENT: the request is gone (interrupted and answered by the kernel, or the mount
      // aborted); anything else means the reply was malformed, a bug worth a log line.
      LOG.warn(
          "reply to {} (unique {}) refused: {}",
          opName(req.opcode()),
          req.unique(),
          Syscalls.strerror(-r));
    }
  }

  private static byte[] name(Request req, int off) throws FuseError {
    byte[] n = req.name(off);
    if (n == null) {
      throw new FuseError(Errnos.EINVAL);
    }
    return n;
  }

  private static void need(Request req, int n) throws FuseError {
    if (!req.hasArgs(n)) {
      throw new FuseError(Errnos.EINVAL);
    }
  }

  /** The payload length of the reply, or NO_REPLY. */
  private int run(int op, Request req, Reply out, DirBuffer dir) throws FuseError {
    long node = req.nodeId();
    switch (op) {
      case LOOKUP -> {
        return entry(out, fs.lookup(req, node, name(req, 0)));
      }
      case FORGET -> {
        need(req, 8);
        fs.forget(node, req.u64(0));
        return NO_REPLY;
      }
      case BATCH_FORGET -> {
        need(req, 8);
        int count = req.u32(0);
        need(req, 8 + count * ForgetOne.SIZE);
        for (int i = 0; i < count; i++) {
          int at = 8 + i * ForgetOne.SIZE;
          fs.forget(req.u64(at + ForgetOne.NODEID), req.u64(at + ForgetOne.NLOOKUP));
        }
        return NO_REPLY;
      }
      case GETATTR -> {
        need(req, GetattrIn.SIZE);
        boolean byFh = (req.u32(GetattrIn.GETATTR_FLAGS) & GETATTR_FH) != 0;
        return attr(out, fs.getattr(req, node, byFh ? req.u64(GetattrIn.FH) : -1));
      }
      case SETATTR -> {
        need(req, SetattrIn.SIZE);
        SetAttr s =
            new SetAttr(
                req.u32(SetattrIn.VALID),
                req.u64(SetattrIn.FH),
                req.u64(SetattrIn.SIZE_),
                req.u64(SetattrIn.LOCK_OWNER),
                timeNs(req.u64(SetattrIn.ATIME), req.u32(SetattrIn.ATIMENSEC)),
                timeNs(req.u64(SetattrIn.MTIME), req.u32(SetattrIn.MTIMENSEC)),
                timeNs(req.u64(SetattrIn.CTIME), req.u32(SetattrIn.CTIMENSEC)),
                req.u32(SetattrIn.MODE),
                req.u32(SetattrIn.UID),
                req.u32(SetattrIn.GID));
        return attr(out, fs.setattr(req, node, s));
      }
      case READLINK -> {
        byte[] target = fs.readlink(req, node);
        if (target.length > out.capacity()) {
          throw new FuseError(Errnos.ENAMETOOLONG);
        }
        out.bytes(0, target);
        return target.length;
      }
      case SYMLINK -> {
        byte[] name = name(req, 0);
        byte[] target = name(req, name.length + 1);
        return entry(out, fs.symlink(req, node, name, target));
      }
      case MKNOD -> {
        need(req, MknodIn.SIZE);
        return entry(
            out,
            fs.mknod(
                req,
                node,
                name(req, MknodIn.SIZE),
                req.u32(MknodIn.MODE),
                req.u32(MknodIn.RDEV),
                req.u32(MknodIn.UMASK)));
      }
      case MKDIR -> {
        need(req, MkdirIn.SIZE);
        return entry(
            out,
            fs.mkdir(
                req, node, name(req, MkdirIn.SIZE), req.u32(MkdirIn.MODE), req.u32(MkdirIn.UMASK)));
      }
      case UNLINK -> {
        fs.unlink(req, node, name(req, 0));
        return 0;
      }
      case RMDIR -> {
        fs.rmdir(req, node, name(req, 0));
        return 0;
      }
      case RENAME, RENAME2 -> {
        int at = op == RENAME ? RenameIn.SIZE : RenameIn.SIZE2;
        need(req, at);
        int flags = op == RENAME ? 0 : req.u32(RenameIn.FLAGS);
        byte[] from = name(req, at);
        byte[] to = name(req, at + from.length + 1);
        fs.rename(req, node, from, req.u64(RenameIn.NEWDIR), to, flags);
        return 0;
      }
      case LINK -> {
        need(req, LinkIn.SIZE);
        return entry(out, fs.link(req, req.u64(LinkIn.OLDNODEID), node, name(req, LinkIn.SIZE)));
      }
      case OPEN -> {
        need(req, OpenIn.SIZE);
        return opened(out, 0, fs.open(req, node, req.u32(OpenIn.FLAGS)));
      }
      case OPENDIR -> {
        need(req, OpenIn.SIZE);
        return opened(out, 0, fs.opendir(req, node, req.u32(OpenIn.FLAGS)));
      }
      case CREATE -> {
        need(req, CreateIn.SIZE);
        Created c =
            fs.create(
                req,
                node,
                name(req, CreateIn.SIZE),
                req.u32(CreateIn.FLAGS),
                req.u32(CreateIn.MODE),
                req.u32(CreateIn.UMASK));
        out.entry(0, c.entry());
        return EntryOut.SIZE + opened(out, EntryOut.SIZE, c.opened());
      }
      case READ -> {
        need(req, ReadIn.SIZE);
        int size = Math.min(req.u32(ReadIn.SIZE_), out.capacity());
        MemorySegment dst = out.payload(0, size);
        int n = fs.read(req, node, req.u64(ReadIn.FH), req.u64(ReadIn.OFFSET), dst);
        if (n < 0 || n > size) {
          throw new IllegalStateException("read returned " + n + " of " + size);
        }
        return n;
      }
      case WRITE -> {
        need(req, WriteIn.SIZE);
        int size = req.u32(WriteIn.SIZE_);
        need(req, WriteIn.SIZE + size);
        int n =
            fs.write(
                req,
                node,
                req.u64(WriteIn.FH),
                req.u64(WriteIn.OFFSET),
                req.slice(WriteIn.SIZE, size),
                req.u32(WriteIn.WRITE_FLAGS));
        out.u32(WriteOut.SIZE_, n);
        out.u32(WriteOut.SIZE_ + 4, 0);
        return WriteOut.SIZE;
      }
      case STATFS -> {
        StatFs s = fs.statfs(req, node);
        out.zero(0, StatfsOut.SIZE);
        out.u64(StatfsOut.BLOCKS, s.blocks());
        out.u64(StatfsOut.BFREE, s.blocksFree());
        out.u64(StatfsOut.BAVAIL, s.blocksAvail());
        out.u64(StatfsOut.FILES, s.files());
        out.u64(StatfsOut.FFREE, s.filesFree());
        out.u32(StatfsOut.BSIZE, s.blockSize());
        out.u32(StatfsOut.NAMELEN, s.nameMax());
        out.u32(StatfsOut.FRSIZE, s.fragmentSize());
        return StatfsOut.SIZE;
      }
      case RELEASE -> {
        need(req, ReleaseIn.SIZE);
        fs.release(
            node,
            req.u64(ReleaseIn.FH),
            req.u32(ReleaseIn.FLAGS),
            req.u64(ReleaseIn.LOCK_OWNER),
            req.u32(ReleaseIn.RELEASE_FLAGS));
        return 0;
      }
      case RELEASEDIR -> {
        need(req, ReleaseIn.SIZE);
        fs.releasedir(node, req.u64(ReleaseIn.FH));
        return 0;
      }
      case FSYNC, FSYNCDIR -> {
        need(req, FsyncIn.SIZE);
        boolean datasync = (req.u32(FsyncIn.FSYNC_FLAGS) & FSYNC_FDATASYNC) != 0;
        if (op == FSYNC) {
          fs.fsync(req, node, req.u64(FsyncIn.FH), datasync);
        } else {
          fs.fsyncdir(req, node, req.u64(FsyncIn.FH), datasync);
        }
        return 0;
      }
      case FLUSH -> {
        need(req, FlushIn.SIZE);
        fs.flush(req, node, req.u64(FlushIn.FH), req.u64(FlushIn.LOCK_OWNER));
        return 0;
      }
      case READDIR, READDIRPLUS -> {
        need(req, ReadIn.SIZE);
        DirBuffer d = dir.reset(op == READDIRPLUS, req.u32(ReadIn.SIZE_));
        fs.readdir(req, node, req.u64(ReadIn.FH), req.u64(ReadIn.OFFSET), d);
        return d.used();
      }
      case GETLK -> {
        need(req, LkIn.SIZE);
        FileLock held = fs.getlk(req, node, req.u64(LkIn.FH), req.u64(LkIn.OWNER), lock(req));
        out.u64(FuseFileLock.START, held.start());
        out.u64(FuseFileLock.END, held.end());
        out.u32(FuseFileLock.TYPE, held.type());
        out.u32(FuseFileLock.PID, held.pid());
        return FuseFileLock.SIZE;
      }
      case SETLK, SETLKW -> {
        need(req, LkIn.SIZE);
        boolean flock = (req.u32(LkIn.LK_FLAGS) & LK_FLOCK) != 0;
        fs.setlk(req, node, req.u64(LkIn.FH), req.u64(LkIn.OWNER), lock(req), op == SETLKW, flock);
        return 0;
      }
      case ACCESS -> {
        need(req, 8);
        fs.access(req, node, req.u32(0));
        return 0;
      }
      case FALLOCATE -> {
        need(req, FallocateIn.SIZE);
        fs.fallocate(
            req,
            node,
            req.u64(FallocateIn.FH),
            req.u64(FallocateIn.OFFSET),
            req.u64(FallocateIn.LENGTH),
            req.u32(FallocateIn.MODE));
        return 0;
      }
      case LSEEK -> {
        need(req, LseekIn.SIZE);
        long at =
            fs.lseek(
                req, node, req.u64(LseekIn.FH), req.u64(LseekIn.OFFSET), req.u32(LseekIn.WHENCE));
        out.u64(LseekOut.OFFSET, at);
        return LseekOut.SIZE;
      }
      case SETXATTR -> {
        Connection c = conn;
        int at = c != null && c.has(SETXATTR_EXT) ? 16 : SetxattrIn.SIZE_COMPAT;
        need(req, at);
        int size = req.u32(SetxattrIn.SIZE_);
        byte[] name = name(req, at);
        need(req, at + name.length + 1 + size);
        fs.setxattr(
            req, node, name, req.slice(at + name.length + 1, size), req.u32(SetxattrIn.FLAGS));
        return 0;
      }
      case GETXATTR -> {
        need(req, GetxattrIn.SIZE);
        int size = req.u32(GetxattrIn.SIZE_);
        return sized(out, size, fs.getxattr(req, node, name(req, GetxattrIn.SIZE), size));
      }
      case LISTXATTR -> {
        need(req, GetxattrIn.SIZE);
        int size = req.u32(GetxattrIn.SIZE_);
        return sized(out, size, fs.listxattr(req, node, size));
      }
      case REMOVEXATTR -> {
        fs.removexattr(req, node, name(req, 0));
        return 0;
      }
      case INIT -> {
        return init(req, out);
      }
      case DESTROY -> {
        control.destroyed();
        return 0;
      }
      case INTERRUPT -> {
        need(req, 8);
        if (control.interrupt(req.u64(0))) {
          return NO_REPLY;
        }
        // Not found: already answered, or read by another thread that has not registered it yet.
        // EAGAIN makes the kernel queue the interrupt again (or drop it, if the request is done).
        throw new FuseError(Errnos.EAGAIN);
      }
      case NOTIFY_REPLY -> {
        return NO_REPLY; // data for a NOTIFY_RETRIEVE; no retrieve is ever sent yet
      }
      case IOCTL -> throw new FuseError(Errnos.ENOTTY);
      default -> throw new FuseError(Errnos.ENOSYS); // POLL, BMAP, COPY_FILE_RANGE, SYNCFS, ...
    }
  }

  private int init(Request req, Reply out) throws FuseError {
    long wanted = control.wantedFlags();
    Connection c =
        Init.answer(
            req, out, wanted, control.maxWrite(), control.maxReadahead(), control.pageSize());
    if (c != null) {
      conn = c;
      LOG.debug(
          "INIT: kernel 7.{}, settled 7.{}, flags {}",
          req.u32(4),
          c.minor(),
          Long.toHexString(c.flags()));
      control.initialized(c);
    }
    return InitOut.SIZE;
  }

  private static long timeNs(long sec, int nsec) {
    return sec * 1_000_000_000L + Integer.toUnsignedLong(nsec);
  }

  private static FileLock lock(Request req) {
    return new FileLock(
        req.u64(LkIn.LK + FuseFileLock.START),
        req.u64(LkIn.LK + FuseFileLock.END),
        req.u32(LkIn.LK + FuseFileLock.TYPE),
        req.u32(LkIn.LK + FuseFileLock.PID));
  }

  private static int entry(Reply out, Entry e) {
    out.entry(0, e);
    return EntryOut.SIZE;
  }

  private static int attr(Reply out, AttrReply r) {
    out.attrOut(0, r);
    return AttrOut.SIZE;
  }

  private static int opened(Reply out, int off, Opened o) {
    out.u64(off + OpenOut.FH, o.fh());
    out.u32(off + OpenOut.OPEN_FLAGS, o.openFlags());
    out.u32(off + OpenOut.OPEN_FLAGS + 4, 0);
    return OpenOut.SIZE;
  }

  /** GETXATTR/LISTXATTR: with size 0 the length only; the bytes when they fit; else ERANGE. */
  private static int sized(Reply out, int size, byte[] value) throws FuseError {
    if (size == 0) {
      out.u32(GetxattrOut.SIZE_, value.length);
      out.u32(GetxattrOut.SIZE_ + 4, 0);
      return GetxattrOut.SIZE;
    }
    if (value.length > size || value.length > out.capacity()) {
      throw new FuseError(Errnos.ERANGE);
    }
    out.bytes(0, value);
    return value.length;
  }
}
