package io.hearth.fuse.proto;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.hearth.fuse.kernel.Attr;
import io.hearth.fuse.kernel.AttrReply;
import io.hearth.fuse.kernel.Caller;
import io.hearth.fuse.kernel.Created;
import io.hearth.fuse.kernel.DirSink;
import io.hearth.fuse.kernel.Entry;
import io.hearth.fuse.kernel.Errnos;
import io.hearth.fuse.kernel.FuseAbi;
import io.hearth.fuse.kernel.FuseError;
import io.hearth.fuse.kernel.InodeFileSystem;
import io.hearth.fuse.kernel.Opened;
import io.hearth.fuse.kernel.SetAttr;
import io.hearth.fuse.kernel.StatFs;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Prototype A: an {@link InodeFileSystem} served through libfuse3's low-level API (struct
 * fuse_lowlevel_ops, fuse_session_new/mount/loop_mt, fuse_reply_*), called through FFM as jfuse
 * calls the high-level one. libfuse reads /dev/fuse on its own worker threads (up to {@code
 * threads}, created as it sees fit), decodes each request, and calls up into Java through an FFM
 * upcall stub; the Java side answers with a downcall to a fuse_reply_* function, which writes the
 * reply. Struct offsets (fuse_file_info, fuse_entry_param, struct stat, statvfs) are libfuse 3.14's
 * and glibc's on x86_64, printed by gcc.
 *
 * <p>Not for production: one mount per process (the stubs live in the global arena), errors are
 * printed, not logged.
 */
final class LowLevelMount implements AutoCloseable {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final List<String> LIBRARY_CANDIDATES =
      List.of(
          "/lib/x86_64-linux-gnu/libfuse3.so.3",
          "/usr/lib/x86_64-linux-gnu/libfuse3.so.3",
          "/usr/lib64/libfuse3.so.3",
          "/usr/lib/libfuse3.so.3");
  private static final SymbolLookup LIB =
      SymbolLookup.libraryLookup(Path.of(library()), Arena.global());

  // struct fuse_lowlevel_ops (libfuse 3.14: 44 pointers)
  static final int OPS_SIZE = 352;
  static final int OP_INIT = 0;
  static final int OP_DESTROY = 8;
  static final int OP_LOOKUP = 16;
  static final int OP_FORGET = 24;
  static final int OP_GETATTR = 32;
  static final int OP_SETATTR = 40;
  static final int OP_MKDIR = 64;
  static final int OP_UNLINK = 72;
  static final int OP_RMDIR = 80;
  static final int OP_RENAME = 96;
  static final int OP_OPEN = 112;
  static final int OP_READ = 120;
  static final int OP_WRITE = 128;
  static final int OP_FLUSH = 136;
  static final int OP_RELEASE = 144;
  static final int OP_FSYNC = 152;
  static final int OP_OPENDIR = 160;
  static final int OP_READDIR = 168;
  static final int OP_RELEASEDIR = 176;
  static final int OP_STATFS = 192;
  static final int OP_CREATE = 240;
  static final int OP_FORGET_MULTI = 304;
  static final int OP_READDIRPLUS = 328;

  // struct fuse_file_info: int flags; bit fields in the next word; fh; lock_owner
  static final int FI_FLAGS = 0;
  static final int FI_BITS = 4;
  static final int FI_FH = 16;
  static final int FI_LOCK_OWNER = 24;
  static final int FI_WRITEPAGE = 1 << 0;
  static final int FI_DIRECT_IO = 1 << 1;
  static final int FI_KEEP_CACHE = 1 << 2;
  static final int FI_FLUSH = 1 << 3;
  static final int FI_NONSEEKABLE = 1 << 4;
  static final int FI_FLOCK_RELEASE = 1 << 5;
  static final int FI_CACHE_READDIR = 1 << 6;
  static final int FI_NOFLUSH = 1 << 7;

  // struct fuse_entry_param
  static final int EP_INO = 0;
  static final int EP_GENERATION = 8;
  static final int EP_ATTR = 16;
  static final int EP_ATTR_TIMEOUT = 160;
  static final int EP_ENTRY_TIMEOUT = 168;
  static final int EP_SIZE = 176;

  // struct stat (x86_64 glibc)
  static final int ST_INO = 8;
  static final int ST_NLINK = 16;
  static final int ST_MODE = 24;
  static final int ST_UID = 28;
  static final int ST_GID = 32;
  static final int ST_RDEV = 40;
  static final int ST_SIZE = 48;
  static final int ST_BLKSIZE = 56;
  static final int ST_BLOCKS = 64;
  static final int ST_ATIM = 72;
  static final int ST_MTIM = 88;
  static final int ST_CTIM = 104;
  static final int STAT_SIZE = 144;

  static final int STATVFS_SIZE = 112;
  static final int CTX_SIZE = 16;

  private static final MethodHandle REPLY_ERR =
      down("fuse_reply_err", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle REPLY_NONE =
      down("fuse_reply_none", FunctionDescriptor.ofVoid(ADDRESS));
  private static final MethodHandle REPLY_ENTRY =
      down("fuse_reply_entry", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  private static final MethodHandle REPLY_CREATE =
      down("fuse_reply_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
  private static final MethodHandle REPLY_ATTR =
      down("fuse_reply_attr", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_DOUBLE));
  private static final MethodHandle REPLY_OPEN =
      down("fuse_reply_open", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  private static final MethodHandle REPLY_WRITE =
      down("fuse_reply_write", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle REPLY_BUF =
      down("fuse_reply_buf", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
  private static final MethodHandle REPLY_STATFS =
      down("fuse_reply_statfs", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  private static final MethodHandle ADD_DIRENTRY =
      down(
          "fuse_add_direntry",
          FunctionDescriptor.of(
              JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
  private static final MethodHandle ADD_DIRENTRY_PLUS =
      down(
          "fuse_add_direntry_plus",
          FunctionDescriptor.of(
              JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
  private static final MethodHandle REQ_CTX =
      down("fuse_req_ctx", FunctionDescriptor.of(ADDRESS, ADDRESS));
  private static final MethodHandle REQ_INTERRUPTED =
      down("fuse_req_interrupted", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  private static final MethodHandle SESSION_NEW =
      down(
          "fuse_session_new", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
  private static final MethodHandle SESSION_MOUNT =
      down("fuse_session_mount", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  // The default version of fuse_session_loop_mt (FUSE_3.12) takes the opaque loop config.
  private static final MethodHandle SESSION_LOOP_MT =
      down("fuse_session_loop_mt", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  private static final MethodHandle LOOP_CFG_CREATE =
      down("fuse_loop_cfg_create", FunctionDescriptor.of(ADDRESS));
  private static final MethodHandle LOOP_CFG_DESTROY =
      down("fuse_loop_cfg_destroy", FunctionDescriptor.ofVoid(ADDRESS));
  private static final MethodHandle LOOP_CFG_SET_MAX_THREADS =
      down("fuse_loop_cfg_set_max_threads", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
  private static final MethodHandle LOOP_CFG_SET_CLONE_FD =
      down("fuse_loop_cfg_set_clone_fd", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
  private static final MethodHandle SESSION_UNMOUNT =
      down("fuse_session_unmount", FunctionDescriptor.ofVoid(ADDRESS));
  private static final MethodHandle SESSION_DESTROY =
      down("fuse_session_destroy", FunctionDescriptor.ofVoid(ADDRESS));
  private static final MethodHandle NOTIFY_INVAL_INODE =
      down(
          "fuse_lowlevel_notify_inval_inode",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG));
  private static final MethodHandle NOTIFY_INVAL_ENTRY =
      down(
          "fuse_lowlevel_notify_inval_entry",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG));
  private static final MethodHandle NOTIFY_DELETE =
      down(
          "fuse_lowlevel_notify_delete",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG));

  private static String library() {
    String configured = System.getProperty("hearth.libfuse");
    if (configured != null) {
      return configured;
    }
    return LIBRARY_CANDIDATES.stream()
        .filter(p -> Files.exists(Path.of(p)))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("libfuse3 not found"));
  }

  private static MethodHandle down(String name, FunctionDescriptor fd) {
    return LINKER.downcallHandle(LIB.find(name).orElseThrow(), fd);
  }

  /** Per libfuse worker thread: the structs a reply is built in (threads are never destroyed). */
  private static final class Scratch {
    final Arena arena = Arena.ofAuto();
    final MemorySegment entry = arena.allocate(EP_SIZE, 8);
    final MemorySegment stat = arena.allocate(STAT_SIZE, 8);
    final MemorySegment statvfs = arena.allocate(STATVFS_SIZE, 8);
    final MemorySegment fi = arena.allocate(64, 8);
    final MemorySegment name = arena.allocate(4096, 8);
    MemorySegment data = arena.allocate(1 << 20, 4096);

    MemorySegment data(long size) {
      if (data.byteSize() < size) {
        data = arena.allocate(size, 4096);
      }
      return data;
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /** The caller of a request: libfuse's fuse_req_ctx, read only if the file system asks. */
  private static final class Ctx implements Caller {
    private final MemorySegment req;
    private MemorySegment ctx;

    Ctx(MemorySegment req) {
      this.req = req;
    }

    private MemorySegment ctx() {
      if (ctx == null) {
        try {
          ctx = ((MemorySegment) REQ_CTX.invokeExact(req)).reinterpret(CTX_SIZE);
        } catch (Throwable t) {
          throw new IllegalStateException(t);
        }
      }
      return ctx;
    }

    @Override
    public int uid() {
      return ctx().get(JAVA_INT, 0);
    }

    @Override
    public int gid() {
      return ctx().get(JAVA_INT, 4);
    }

    @Override
    public int pid() {
      return ctx().get(JAVA_INT, 8);
    }

    @Override
    public boolean interrupted() {
      try {
        return (int) REQ_INTERRUPTED.invokeExact(req) != 0;
      } catch (Throwable t) {
        throw new IllegalStateException(t);
      }
    }
  }

  @FunctionalInterface
  private interface Op {
    void run() throws Throwable;
  }

  private final InodeFileSystem fs;
  private final MemorySegment session;
  private final MemorySegment loopConfig;
  private final CountDownLatch initialized = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private boolean unmounted;

  private LowLevelMount(InodeFileSystem fs, MemorySegment session, MemorySegment loopConfig) {
    this.fs = fs;
    this.session = session;
    this.loopConfig = loopConfig;
  }

  /** Mounts and returns once libfuse answered INIT. */
  static LowLevelMount mount(
      InodeFileSystem fs, Path mountpoint, List<String> options, int threads, boolean cloneFd)
      throws IOException, InterruptedException {
    Arena g = Arena.global();
    List<String> opts = new ArrayList<>(List.of("fsname=memfs", "subtype=memfs"));
    opts.addAll(options);
    String[] argv = {"memfs-a", "-o", String.join(",", opts)};
    MemorySegment argvSeg = g.allocate(ADDRESS, argv.length + 1);
    for (int i = 0; i < argv.length; i++) {
      argvSeg.setAtIndex(ADDRESS, i, g.allocateFrom(argv[i]));
    }
    argvSeg.setAtIndex(ADDRESS, argv.length, MemorySegment.NULL);
    MemorySegment args =
        g.allocate(24, 8); // struct fuse_args {int argc; char **argv; int allocated}
    args.set(JAVA_INT, 0, argv.length);
    args.set(ADDRESS, 8, argvSeg);
    args.set(JAVA_INT, 16, 0);

    Holder holder = new Holder();
    MemorySegment ops = g.allocate(OPS_SIZE, 8);
    try {
      installOps(ops, holder, g);
      MemorySegment se =
          (MemorySegment) SESSION_NEW.invokeExact(args, ops, (long) OPS_SIZE, MemorySegment.NULL);
      if (se.equals(MemorySegment.NULL)) {
        throw new IOException("fuse_session_new failed (see stderr)");
      }
      MemorySegment cfg = (MemorySegment) LOOP_CFG_CREATE.invokeExact();
      LOOP_CFG_SET_MAX_THREADS.invokeExact(cfg, threads);
      LOOP_CFG_SET_CLONE_FD.invokeExact(cfg, cloneFd ? 1 : 0);
      LowLevelMount m = new LowLevelMount(fs, se, cfg);
      holder.mount = m;
      int r = (int) SESSION_MOUNT.invokeExact(se, g.allocateFrom(mountpoint.toString()));
      if (r != 0) {
        SESSION_DESTROY.invokeExact(se);
        throw new IOException("fuse_session_mount " + mountpoint + " failed");
      }
      Thread.ofPlatform().name("memfs-a-loop").start(m::loop);
      if (!m.initialized.await(30, TimeUnit.SECONDS)) {
        m.close();
        throw new IOException("no INIT within 30 s");
      }
      return m;
    } catch (IOException | InterruptedException e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException(t);
    }
  }

  /** The upcall stubs need the mount, which needs the session they are installed in. */
  private static final class Holder {
    volatile LowLevelMount mount;
  }

  private void loop() {
    try {
      int r = (int) SESSION_LOOP_MT.invokeExact(session, loopConfig);
      if (r != 0) {
        System.err.println("fuse_session_loop_mt returned " + r);
      }
      unmountOnce();
      SESSION_DESTROY.invokeExact(session);
      LOOP_CFG_DESTROY.invokeExact(loopConfig);
    } catch (Throwable t) {
      t.printStackTrace();
    } finally {
      stopped.countDown();
    }
  }

  private synchronized void unmountOnce() throws Throwable {
    if (!unmounted) {
      unmounted = true;
      SESSION_UNMOUNT.invokeExact(session);
    }
  }

  /** fuse_lowlevel_notify_inval_inode: 0 or -errno (any thread but a request's own). */
  int invalInode(long ino, long offset, long length) {
    try {
      return (int) NOTIFY_INVAL_INODE.invokeExact(session, ino, offset, length);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  int invalEntry(long parent, byte[] name) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment n = a.allocate(name.length + 1);
      MemorySegment.copy(name, 0, n, JAVA_BYTE, 0, name.length);
      return (int) NOTIFY_INVAL_ENTRY.invokeExact(session, parent, n, (long) name.length);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  int delete(long parent, long child, byte[] name) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment n = a.allocate(name.length + 1);
      MemorySegment.copy(name, 0, n, JAVA_BYTE, 0, name.length);
      return (int) NOTIFY_DELETE.invokeExact(session, parent, child, n, (long) name.length);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  boolean awaitStopped(long timeout, TimeUnit unit) throws InterruptedException {
    return stopped.await(timeout, unit);
  }

  void awaitStopped() {
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Unmounts (lazily, as libfuse does as root); the loop then ends and destroys the session. */
  @Override
  public void close() {
    try {
      if (stopped.getCount() > 0) {
        unmountOnce();
      }
      if (!stopped.await(20, TimeUnit.SECONDS)) {
        System.err.println("libfuse loop did not end within 20 s of the unmount");
      }
    } catch (Throwable t) {
      t.printStackTrace();
    }
  }

  // ---- upcalls --------------------------------------------------------------------------------

  private static void installOps(MemorySegment ops, Holder h, Arena g) throws Exception {
    ops.fill((byte) 0);
    Installer in = new Installer(ops, h, g);
    FunctionDescriptor nodeFi = FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG, ADDRESS);
    FunctionDescriptor nodeName = nodeFi; // (req, parent, const char *name)
    FunctionDescriptor io =
        FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS);
    in.stub(OP_INIT, "init", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
    in.stub(OP_DESTROY, "destroy", FunctionDescriptor.ofVoid(ADDRESS));
    in.stub(OP_LOOKUP, "lookup", nodeName);
    in.stub(OP_FORGET, "forget", FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG, JAVA_LONG));
    in.stub(OP_GETATTR, "getattr", nodeFi);
    in.stub(
        OP_SETATTR,
        "setattr",
        FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS));
    in.stub(OP_MKDIR, "mkdir", FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT));
    in.stub(OP_UNLINK, "unlink", nodeName);
    in.stub(OP_RMDIR, "rmdir", nodeName);
    in.stub(
        OP_RENAME,
        "rename",
        FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT));
    in.stub(OP_OPEN, "open", nodeFi);
    in.stub(OP_READ, "read", io);
    in.stub(
        OP_WRITE,
        "write",
        FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
    in.stub(OP_FLUSH, "flush", nodeFi);
    in.stub(OP_RELEASE, "release", nodeFi);
    in.stub(OP_FSYNC, "fsync", FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS));
    in.stub(OP_OPENDIR, "opendir", nodeFi);
    in.stub(OP_READDIR, "readdir", io);
    in.stub(OP_READDIRPLUS, "readdirplus", io);
    in.stub(OP_RELEASEDIR, "releasedir", nodeFi);
    in.stub(OP_STATFS, "statfs", FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG));
    in.stub(
        OP_CREATE,
        "create",
        FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS));
    in.stub(OP_FORGET_MULTI, "forgetMulti", nodeFi); // (req, size_t count, forget_data *)
  }

  /** Points slots of struct fuse_lowlevel_ops at upcall stubs of this class's static methods. */
  private record Installer(MemorySegment ops, Holder h, Arena arena) {
    void stub(int off, String name, FunctionDescriptor fd) throws Exception {
      MethodType type = fd.toMethodType().insertParameterTypes(0, Holder.class);
      MethodHandle target = MethodHandles.lookup().findStatic(LowLevelMount.class, name, type);
      MethodHandle bound = MethodHandles.insertArguments(target, 0, h);
      ops.set(ADDRESS, off, LINKER.upcallStub(bound, fd, arena));
    }
  }

  /** Runs an operation; a failure is answered with fuse_reply_err, never thrown into C. */
  private static void guard(MemorySegment req, Op op) {
    try {
      op.run();
    } catch (FuseError e) {
      replyErr(req, e.errno());
    } catch (Throwable t) {
      t.printStackTrace();
      replyErr(req, Errnos.EIO);
    }
  }

  /** An operation whose success is answered with error 0 (unlink, flush, release, ...). */
  private static void ok(MemorySegment req, Op op) {
    guard(
        req,
        () -> {
          op.run();
          replyErr(req, 0);
        });
  }

  private static void replyErr(MemorySegment req, int errno) {
    try {
      int ignored = (int) REPLY_ERR.invokeExact(req, errno);
    } catch (Throwable t) {
      t.printStackTrace();
    }
  }

  private static byte[] cString(MemorySegment s) {
    MemorySegment all = s.reinterpret(Long.MAX_VALUE);
    long n = 0;
    while (all.get(JAVA_BYTE, n) != 0) {
      n++;
    }
    return all.asSlice(0, n).toArray(JAVA_BYTE);
  }

  private static MemorySegment fi(MemorySegment fi) {
    return fi.reinterpret(40);
  }

  private static void fillStat(MemorySegment st, Attr a) {
    st.fill((byte) 0);
    st.set(JAVA_LONG, ST_INO, a.ino());
    st.set(JAVA_LONG, ST_NLINK, a.nlink());
    st.set(JAVA_INT, ST_MODE, a.mode());
    st.set(JAVA_INT, ST_UID, a.uid());
    st.set(JAVA_INT, ST_GID, a.gid());
    st.set(JAVA_LONG, ST_RDEV, a.rdev());
    st.set(JAVA_LONG, ST_SIZE, a.size());
    st.set(JAVA_LONG, ST_BLKSIZE, a.blksize());
    st.set(JAVA_LONG, ST_BLOCKS, a.blocks());
    time(st, ST_ATIM, a.atimeNs());
    time(st, ST_MTIM, a.mtimeNs());
    time(st, ST_CTIM, a.ctimeNs());
  }

  private static void time(MemorySegment st, int off, long ns) {
    st.set(JAVA_LONG, off, Math.floorDiv(ns, 1_000_000_000L));
    st.set(JAVA_LONG, off + 8, Math.floorMod(ns, 1_000_000_000L));
  }

  private static MemorySegment entryParam(Scratch s, Entry e) {
    MemorySegment ep = s.entry;
    ep.set(JAVA_LONG, EP_INO, e.nodeId());
    ep.set(JAVA_LONG, EP_GENERATION, e.generation());
    if (e.attr() == null) {
      ep.asSlice(EP_ATTR, STAT_SIZE).fill((byte) 0);
    } else {
      fillStat(ep.asSlice(EP_ATTR, STAT_SIZE), e.attr());
    }
    ep.set(JAVA_DOUBLE, EP_ATTR_TIMEOUT, e.attrValidNs() / 1e9);
    ep.set(JAVA_DOUBLE, EP_ENTRY_TIMEOUT, e.entryValidNs() / 1e9);
    return ep;
  }

  private static void replyEntry(MemorySegment req, Entry e) throws Throwable {
    int ignored = (int) REPLY_ENTRY.invokeExact(req, entryParam(SCRATCH.get(), e));
  }

  private static void replyAttr(MemorySegment req, AttrReply a) throws Throwable {
    Scratch s = SCRATCH.get();
    fillStat(s.stat, a.attr());
    int ignored = (int) REPLY_ATTR.invokeExact(req, s.stat, a.validNs() / 1e9);
  }

  private static void setOpened(MemorySegment fi, Opened o) {
    int bits = fi.get(JAVA_INT, FI_BITS) & ~(FI_DIRECT_IO | FI_KEEP_CACHE | FI_NONSEEKABLE);
    int f = o.openFlags();
    if ((f & FuseAbi.FOPEN_DIRECT_IO) != 0) {
      bits |= FI_DIRECT_IO;
    }
    if ((f & FuseAbi.FOPEN_KEEP_CACHE) != 0) {
      bits |= FI_KEEP_CACHE;
    }
    if ((f & FuseAbi.FOPEN_NONSEEKABLE) != 0) {
      bits |= FI_NONSEEKABLE;
    }
    if ((f & FuseAbi.FOPEN_CACHE_DIR) != 0) {
      bits |= FI_CACHE_READDIR;
    }
    if ((f & FuseAbi.FOPEN_NOFLUSH) != 0) {
      bits |= FI_NOFLUSH;
    }
    fi.set(JAVA_INT, FI_BITS, bits);
    fi.set(JAVA_LONG, FI_FH, o.fh());
  }

  private static long fh(MemorySegment fi) {
    return fi.equals(MemorySegment.NULL) ? -1 : fi(fi).get(JAVA_LONG, FI_FH);
  }

  static void init(Holder h, MemorySegment userdata, MemorySegment conn) {
    // libfuse's defaults (async read, readdirplus auto, parallel dirops, max_write 1 MiB, ...)
    h.mount.initialized.countDown();
  }

  static void destroy(Holder h, MemorySegment userdata) {
    h.mount.fs.destroy();
  }

  static void lookup(Holder h, MemorySegment req, long parent, MemorySegment name) {
    guard(req, () -> replyEntry(req, h.mount.fs.lookup(new Ctx(req), parent, cString(name))));
  }

  static void forget(Holder h, MemorySegment req, long ino, long nlookup) {
    try {
      h.mount.fs.forget(ino, nlookup);
    } catch (Throwable t) {
      t.printStackTrace();
    } finally {
      none(req);
    }
  }

  private static void none(MemorySegment req) {
    try {
      REPLY_NONE.invokeExact(req);
    } catch (Throwable t) {
      t.printStackTrace();
    }
  }

  static void forgetMulti(Holder h, MemorySegment req, long count, MemorySegment forgets) {
    try {
      MemorySegment all = forgets.reinterpret(count * 16);
      for (long i = 0; i < count; i++) {
        h.mount.fs.forget(all.get(JAVA_LONG, i * 16), all.get(JAVA_LONG, i * 16 + 8));
      }
    } catch (Throwable t) {
      t.printStackTrace();
    } finally {
      none(req);
    }
  }

  static void getattr(Holder h, MemorySegment req, long ino, MemorySegment fi) {
    guard(req, () -> replyAttr(req, h.mount.fs.getattr(new Ctx(req), ino, fh(fi))));
  }

  static void setattr(
      Holder h, MemorySegment req, long ino, MemorySegment attr, int toSet, MemorySegment fi) {
    guard(
        req,
        () -> {
          MemorySegment st = attr.reinterpret(STAT_SIZE);
          // FUSE_SET_ATTR_* has FATTR_*'s values for these bits (libfuse maps one to the other)
          int valid =
              toSet
                  & (FuseAbi.FATTR_MODE
                      | FuseAbi.FATTR_UID
                      | FuseAbi.FATTR_GID
                      | FuseAbi.FATTR_SIZE
                      | FuseAbi.FATTR_ATIME
                      | FuseAbi.FATTR_MTIME
                      | FuseAbi.FATTR_ATIME_NOW
                      | FuseAbi.FATTR_MTIME_NOW
                      | FuseAbi.FATTR_CTIME);
          long fh = fh(fi);
          if (fh != -1) {
            valid |= FuseAbi.FATTR_FH;
          }
          SetAttr s =
              new SetAttr(
                  valid,
                  Math.max(fh, 0),
                  st.get(JAVA_LONG, ST_SIZE),
                  0,
                  nanos(st, ST_ATIM),
                  nanos(st, ST_MTIM),
                  nanos(st, ST_CTIM),
                  st.get(JAVA_INT, ST_MODE),
                  st.get(JAVA_INT, ST_UID),
                  st.get(JAVA_INT, ST_GID));
          replyAttr(req, h.mount.fs.setattr(new Ctx(req), ino, s));
        });
  }

  private static long nanos(MemorySegment st, int off) {
    return st.get(JAVA_LONG, off) * 1_000_000_000L + st.get(JAVA_LONG, off + 8);
  }

  static void mkdir(Holder h, MemorySegment req, long parent, MemorySegment name, int mode) {
    guard(
        req, () -> replyEntry(req, h.mount.fs.mkdir(new Ctx(req), parent, cString(name), mode, 0)));
  }

  static void unlink(Holder h, MemorySegment req, long parent, MemorySegment name) {
    ok(
        req,
        () -> {
          h.mount.fs.unlink(new Ctx(req), parent, cString(name));
        });
  }

  static void rmdir(Holder h, MemorySegment req, long parent, MemorySegment name) {
    ok(
        req,
        () -> {
          h.mount.fs.rmdir(new Ctx(req), parent, cString(name));
        });
  }

  static void rename(
      Holder h,
      MemorySegment req,
      long parent,
      MemorySegment name,
      long newParent,
      MemorySegment newName,
      int flags) {
    ok(
        req,
        () -> {
          h.mount.fs.rename(
              new Ctx(req), parent, cString(name), newParent, cString(newName), flags);
        });
  }

  static void open(Holder h, MemorySegment req, long ino, MemorySegment fiPtr) {
    guard(
        req,
        () -> {
          MemorySegment fi = fi(fiPtr);
          setOpened(fi, h.mount.fs.open(new Ctx(req), ino, fi.get(JAVA_INT, FI_FLAGS)));
          int ignored = (int) REPLY_OPEN.invokeExact(req, fiPtr);
        });
  }

  static void opendir(Holder h, MemorySegment req, long ino, MemorySegment fiPtr) {
    guard(
        req,
        () -> {
          MemorySegment fi = fi(fiPtr);
          setOpened(fi, h.mount.fs.opendir(new Ctx(req), ino, fi.get(JAVA_INT, FI_FLAGS)));
          int ignored = (int) REPLY_OPEN.invokeExact(req, fiPtr);
        });
  }

  static void create(
      Holder h, MemorySegment req, long parent, MemorySegment name, int mode, MemorySegment fiPtr) {
    guard(
        req,
        () -> {
          MemorySegment fi = fi(fiPtr);
          Created c =
              h.mount.fs.create(
                  new Ctx(req), parent, cString(name), fi.get(JAVA_INT, FI_FLAGS), mode, 0);
          setOpened(fi, c.opened());
          MemorySegment ep = entryParam(SCRATCH.get(), c.entry());
          int ignored = (int) REPLY_CREATE.invokeExact(req, ep, fiPtr);
        });
  }

  static void read(
      Holder h, MemorySegment req, long ino, long size, long off, MemorySegment fiPtr) {
    guard(
        req,
        () -> {
          MemorySegment buf = SCRATCH.get().data(size);
          int n = h.mount.fs.read(new Ctx(req), ino, fh(fiPtr), off, buf.asSlice(0, size));
          int ignored = (int) REPLY_BUF.invokeExact(req, buf, (long) n);
        });
  }

  static void write(
      Holder h,
      MemorySegment req,
      long ino,
      MemorySegment buf,
      long size,
      long off,
      MemorySegment fiPtr) {
    guard(
        req,
        () -> {
          int flags =
              (fi(fiPtr).get(JAVA_INT, FI_BITS) & FI_WRITEPAGE) != 0 ? FuseAbi.WRITE_CACHE : 0;
          int n = h.mount.fs.write(new Ctx(req), ino, fh(fiPtr), off, buf.reinterpret(size), flags);
          int ignored = (int) REPLY_WRITE.invokeExact(req, (long) n);
        });
  }

  static void flush(Holder h, MemorySegment req, long ino, MemorySegment fiPtr) {
    ok(
        req,
        () -> {
          h.mount.fs.flush(new Ctx(req), ino, fh(fiPtr), fi(fiPtr).get(JAVA_LONG, FI_LOCK_OWNER));
        });
  }

  static void release(Holder h, MemorySegment req, long ino, MemorySegment fiPtr) {
    ok(
        req,
        () -> {
          MemorySegment fi = fi(fiPtr);
          int bits = fi.get(JAVA_INT, FI_BITS);
          int releaseFlags =
              ((bits & FI_FLUSH) != 0 ? FuseAbi.RELEASE_FLUSH : 0)
                  | ((bits & FI_FLOCK_RELEASE) != 0 ? FuseAbi.RELEASE_FLOCK_UNLOCK : 0);
          h.mount.fs.release(
              ino,
              fi.get(JAVA_LONG, FI_FH),
              fi.get(JAVA_INT, FI_FLAGS),
              fi.get(JAVA_LONG, FI_LOCK_OWNER),
              releaseFlags);
        });
  }

  static void releasedir(Holder h, MemorySegment req, long ino, MemorySegment fiPtr) {
    ok(
        req,
        () -> {
          h.mount.fs.releasedir(ino, fh(fiPtr));
        });
  }

  static void fsync(Holder h, MemorySegment req, long ino, int datasync, MemorySegment fiPtr) {
    ok(
        req,
        () -> {
          h.mount.fs.fsync(new Ctx(req), ino, fh(fiPtr), datasync != 0);
        });
  }

  static void statfs(Holder h, MemorySegment req, long ino) {
    guard(
        req,
        () -> {
          StatFs f = h.mount.fs.statfs(new Ctx(req), ino);
          MemorySegment v = SCRATCH.get().statvfs;
          v.fill((byte) 0);
          v.set(JAVA_LONG, 0, f.blockSize());
          v.set(JAVA_LONG, 8, f.fragmentSize());
          v.set(JAVA_LONG, 16, f.blocks());
          v.set(JAVA_LONG, 24, f.blocksFree());
          v.set(JAVA_LONG, 32, f.blocksAvail());
          v.set(JAVA_LONG, 40, f.files());
          v.set(JAVA_LONG, 48, f.filesFree());
          v.set(JAVA_LONG, 56, f.filesFree());
          v.set(JAVA_LONG, 80, f.nameMax());
          int ignored = (int) REPLY_STATFS.invokeExact(req, v);
        });
  }

  static void readdir(
      Holder h, MemorySegment req, long ino, long size, long off, MemorySegment fiPtr) {
    dir(h, req, ino, size, off, fiPtr, false);
  }

  static void readdirplus(
      Holder h, MemorySegment req, long ino, long size, long off, MemorySegment fiPtr) {
    dir(h, req, ino, size, off, fiPtr, true);
  }

  private static void dir(
      Holder h,
      MemorySegment req,
      long ino,
      long size,
      long off,
      MemorySegment fiPtr,
      boolean plus) {
    guard(
        req,
        () -> {
          Scratch s = SCRATCH.get();
          MemorySegment buf = s.data(size);
          LibfuseDirSink sink = new LibfuseDirSink(req, s, buf, size, plus);
          h.mount.fs.readdir(new Ctx(req), ino, fh(fiPtr), off, sink);
          int ignored = (int) REPLY_BUF.invokeExact(req, buf, sink.used);
        });
  }

  /** Fills a readdir reply with libfuse's fuse_add_direntry(_plus). */
  private static final class LibfuseDirSink implements DirSink {
    private final MemorySegment req;
    private final Scratch s;
    private final MemorySegment buf;
    private final long size;
    private final boolean plus;
    long used;

    LibfuseDirSink(MemorySegment req, Scratch s, MemorySegment buf, long size, boolean plus) {
      this.req = req;
      this.s = s;
      this.buf = buf;
      this.size = size;
      this.plus = plus;
    }

    @Override
    public boolean plus() {
      return plus;
    }

    private MemorySegment name(byte[] name) {
      MemorySegment.copy(name, 0, s.name, JAVA_BYTE, 0, name.length);
      s.name.set(JAVA_BYTE, name.length, (byte) 0);
      return s.name;
    }

    @Override
    public boolean add(byte[] name, long ino, int type, long nextOffset) {
      s.stat.fill((byte) 0);
      s.stat.set(JAVA_LONG, ST_INO, ino);
      s.stat.set(JAVA_INT, ST_MODE, type);
      try {
        long left = size - used;
        long need =
            (long)
                ADD_DIRENTRY.invokeExact(
                    req, buf.asSlice(used), left, name(name), s.stat, nextOffset);
        if (need > left) {
          return false;
        }
        used += need;
        return true;
      } catch (Throwable t) {
        throw new IllegalStateException(t);
      }
    }

    @Override
    public boolean addPlus(byte[] name, Entry entry, long nextOffset) {
      try {
        long left = size - used;
        MemorySegment ep = entryParam(s, entry);
        long need =
            (long)
                ADD_DIRENTRY_PLUS.invokeExact(
                    req, buf.asSlice(used), left, name(name), ep, nextOffset);
        if (need > left) {
          return false;
        }
        used += need;
        return true;
      } catch (Throwable t) {
        throw new IllegalStateException(t);
      }
    }
  }
}
