package io.hearth.client;

import com.google.protobuf.ByteString;
import io.hearth.client.data.BlockClient;
import io.hearth.client.meta.MetaClient;
import io.hearth.client.vfs.FileLayer;
import io.hearth.client.vfs.OpenInode;
import io.hearth.client.vfs.Vfs;
import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Names;
import io.hearth.protocol.WireFlags;
import io.hearth.protocol.XattrNamespaces;
import io.hearth.protocol.data.DataStat;
import io.hearth.protocol.meta.AccessReq;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.GetxattrReq;
import io.hearth.protocol.meta.LinkReq;
import io.hearth.protocol.meta.ListxattrReq;
import io.hearth.protocol.meta.Loc;
import io.hearth.protocol.meta.LookupReq;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.MkdirReq;
import io.hearth.protocol.meta.MknodReq;
import io.hearth.protocol.meta.OpenReply;
import io.hearth.protocol.meta.OpenReq;
import io.hearth.protocol.meta.ReaddirReq;
import io.hearth.protocol.meta.ReadlinkReq;
import io.hearth.protocol.meta.RemovexattrReq;
import io.hearth.protocol.meta.RenameReq;
import io.hearth.protocol.meta.RmdirReq;
import io.hearth.protocol.meta.SetattrReq;
import io.hearth.protocol.meta.SetxattrReq;
import io.hearth.protocol.meta.StatfsReply;
import io.hearth.protocol.meta.StatfsReq;
import io.hearth.protocol.meta.SymlinkReq;
import io.hearth.protocol.meta.TimeChange;
import io.hearth.protocol.meta.TimeHow;
import io.hearth.protocol.meta.UnlinkReq;
import io.hearth.protocol.posix.OpenRule;
import io.hearth.rpc.Futures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The Java client API of Hearth's namespace. Paths are absolute within Hearth ("/home/ana/x").
 * Every operation has a blocking form, which throws {@link HearthException} carrying the errno, and
 * an {@code ...Async} form whose future fails with one.
 *
 * <p>Consistency: every call is linearizable. Writes are retried across leader changes exactly once
 * (see {@link MetaClient}). Thread-safe: share one client between threads.
 *
 * <p>Permissions are checked by the server against this client's {@link Credentials}: the process's
 * own by default, another's through {@link #withCredentials} (for a FUSE bridge acting for many
 * users).
 */
public final class HearthClient implements AutoCloseable {
  /** For {@link #utimens}: set this time to the server's now. */
  public static final long UTIME_NOW = Long.MAX_VALUE;

  /** For {@link #utimens}: leave this time unchanged. */
  public static final long UTIME_OMIT = Long.MAX_VALUE - 1;

  public static final int RENAME_NOREPLACE = WireFlags.RENAME_NOREPLACE;
  public static final int RENAME_EXCHANGE = WireFlags.RENAME_EXCHANGE;
  public static final int XATTR_CREATE = WireFlags.XATTR_CREATE;
  public static final int XATTR_REPLACE = WireFlags.XATTR_REPLACE;

  private final MetaClient meta;
  private final Credentials credentials;
  private final boolean owner;
  private final FileLayer files;

  private HearthClient(MetaClient meta, Credentials credentials, boolean owner, FileLayer files) {
    this.meta = meta;
    this.credentials = credentials;
    this.owner = owner;
    this.files = files;
  }

  /** Connects to a cluster, e.g. {@code "127.0.0.1:9861,127.0.0.1:9862"}. */
  public static HearthClient connect(String clusterSpec) throws HearthException {
    return connect(ClusterSpec.parse(clusterSpec));
  }

  public static HearthClient connect(ClusterSpec spec) {
    MetaClient meta = new MetaClient(spec.metaGroup());
    return new HearthClient(meta, Credentials.ofProcess(), true, new FileLayer(meta));
  }

  /** A view of this client acting as another user; closing the view does not close this client. */
  public HearthClient withCredentials(Credentials c) {
    return new HearthClient(meta, c, false, files);
  }

  public Credentials credentials() {
    return credentials;
  }

  /** The underlying meta client, for admin tools. */
  public MetaClient meta() {
    return meta;
  }

  /** The file layer (open files, block I/O); started on first use. */
  public Vfs vfs() throws HearthException {
    return files.get();
  }

  // ---- files ----

  /**
   * open(2): opens a regular file with {@link HearthFile}'s O_ flags (O_RDONLY, O_WRONLY, O_RDWR,
   * O_CREAT, O_EXCL, O_TRUNC, O_APPEND); {@code mode} is used when O_CREAT creates it. Permission
   * is checked at open, for this client's credentials.
   */
  public HearthFile open(String path, int flags, int mode) throws HearthException {
    return HearthFile.open(this, files.get(), path, flags, mode);
  }

  public HearthFile open(String path, int flags) throws HearthException {
    return open(path, flags, 0644);
  }

  /**
   * The namespace half of open(2), one request (OpenOp): a read, or one log entry with O_CREAT or
   * O_TRUNC. Writes this client still holds for the file go first when the open truncates it, so
   * that none lands after the truncate. A mode this client shows but has not committed yet (a
   * waiting chmod) that would let the open through is committed, and the open asked again.
   */
  OpenReply openInNamespace(String path, int flags, int mode) throws HearthException {
    if ((flags & HearthFile.O_TRUNC) != 0) {
      OpenAt o = openInodeAt(path, true);
      if (o != null) {
        o.inode().commitNow();
      }
    }
    return grantedByWaitingChanges(path, () -> join(openAsync(path, flags, mode)));
  }

  private CompletableFuture<OpenReply> openAsync(String path, int flags, int mode) {
    return withLoc(
        path,
        loc -> {
          Function<MetaRequest.Builder, MetaRequest.Builder> op =
              b -> b.setOpen(OpenReq.newBuilder().setLoc(loc).setFlags(flags).setMode(mode));
          return OpenRule.changes(flags)
              ? write(op, MetaReply::getOpen)
              : read(op, MetaReply::getOpen);
        });
  }

  /** truncate of an inode this client has open: its buffered writes go first, then the size. */
  void truncateOpen(OpenInode node, long size) throws HearthException {
    truncateOpen(node, size, false);
  }

  /**
   * @param writable through a handle opened for writing (ftruncate): write permission was checked
   *     at open and is not asked again, as POSIX has it
   */
  void truncateOpen(OpenInode node, long size, boolean writable) throws HearthException {
    node.commitNow();
    Attr a =
        join(
            write(
                b ->
                    b.setSetattr(
                        SetattrReq.newBuilder()
                            .setLoc(Loc.newBuilder().setBase(node.ino()))
                            .setSize(size)
                            .setThroughWritableHandle(writable)),
                MetaReply::getAttr));
    node.observe(a);
  }

  /**
   * A stat as this client sees it: for a file it has open, the size includes unflushed writes and
   * the attributes include changes not committed yet; and the open file learns what the namespace
   * said (another node may have written it since).
   */
  private Stat overlay(MetaReply r) {
    Attr a = r.getAttr();
    Vfs v = files.ifStarted();
    OpenInode n = v == null || !FileMode.isRegular(a.getMode()) ? null : v.find(a.getIno());
    return Stat.of(n == null ? a : n.observe(a));
  }

  // ---- reads ----

  public CompletableFuture<Stat> statAsync(String path) {
    return lookup(path, true);
  }

  public Stat stat(String path) throws HearthException {
    return join(statAsync(path));
  }

  public CompletableFuture<Stat> lstatAsync(String path) {
    return lookup(path, false);
  }

  public Stat lstat(String path) throws HearthException {
    return join(lstatAsync(path));
  }

  /** Attributes of an inode by number (as a FUSE handle or a readdir entry names it). */
  public CompletableFuture<Stat> statAsync(long ino) {
    Loc loc = Loc.newBuilder().setBase(ino).build();
    return read(b -> b.setLookup(LookupReq.newBuilder().setLoc(loc)), this::overlay);
  }

  public Stat stat(long ino) throws HearthException {
    return join(statAsync(ino));
  }

  private CompletableFuture<Stat> lookup(String path, boolean follow) {
    return withLoc(
        path,
        loc ->
            read(
                b -> b.setLookup(LookupReq.newBuilder().setLoc(loc).setFollow(follow)),
                this::overlay));
  }

  public CompletableFuture<String> readlinkAsync(String path) {
    return withLoc(
        path,
        loc ->
            read(
                b -> b.setReadlink(ReadlinkReq.newBuilder().setLoc(loc)),
                r -> r.getData().toStringUtf8()));
  }

  public String readlink(String path) throws HearthException {
    return join(readlinkAsync(path));
  }

  /** One page of entries after {@code cookie} (0 = from the start); "." and ".." are not listed. */
  public CompletableFuture<DirPage> readdirAsync(
      String path, long cookie, int maxEntries, boolean plus) {
    return withLoc(
        path,
        loc ->
            read(
                b ->
                    b.setReaddir(
                        ReaddirReq.newBuilder()
                            .setLoc(loc)
                            .setCookie(cookie)
                            .setMaxEntries(maxEntries)
                            .setPlus(plus)),
                HearthClient::page));
  }

  public DirPage readdir(String path, long cookie, int maxEntries, boolean plus)
      throws HearthException {
    return join(readdirAsync(path, cookie, maxEntries, plus));
  }

  /** Every entry of a directory, page by page. */
  public List<DirEntry> list(String path, boolean plus) throws HearthException {
    List<DirEntry> all = new ArrayList<>();
    long cookie = 0;
    while (true) {
      DirPage p = readdir(path, cookie, 0, plus);
      all.addAll(p.entries());
      if (p.eof()) {
        return all;
      }
      cookie = p.nextCookie(cookie);
    }
  }

  /**
   * statfs(2): inodes from the namespace; bytes from the data servers' disks, each node's capacity
   * counted once and divided by the replica count (what files can still take), as CephFS reports a
   * replicated pool. Falls back to the meta leader's disk when no data server answers.
   */
  public CompletableFuture<FsStat> statfsAsync() {
    return read(b -> b.setStatfs(StatfsReq.getDefaultInstance()), HearthClient::fsStat)
        .thenApplyAsync(this::withDataCapacity, r -> Thread.ofVirtual().start(r));
  }

  private FsStat withDataCapacity(FsStat ns) {
    Map<String, DataStat> nodes;
    int replicas;
    try {
      BlockClient blocks = files.get().blocks();
      nodes = blocks.nodeStats();
      replicas = blocks.replicas();
    } catch (HearthException e) {
      return ns;
    }
    if (nodes.isEmpty()) {
      return ns;
    }
    long total = 0;
    long free = 0;
    long avail = 0;
    for (DataStat d : nodes.values()) {
      total += d.getTotalBytes();
      free += d.getFreeBytes();
      avail += d.getAvailableBytes();
    }
    long bs = ns.blockSize();
    return new FsStat(
        ns.blockSize(),
        total / replicas / bs,
        free / replicas / bs,
        avail / replicas / bs,
        ns.files(),
        ns.filesFree(),
        ns.nameMax());
  }

  public FsStat statfs() throws HearthException {
    return join(statfsAsync());
  }

  /**
   * access(2): fails with EACCES unless the caller may access the path for {@code mask} (R=4 W=2
   * X=1).
   */
  public CompletableFuture<Void> accessAsync(String path, int mask) {
    return withLoc(
        path,
        loc -> read(b -> b.setAccess(AccessReq.newBuilder().setLoc(loc).setMask(mask)), r -> null));
  }

  public void access(String path, int mask) throws HearthException {
    grantedByWaitingChanges(path, () -> join(accessAsync(path, mask)));
  }

  public CompletableFuture<byte[]> getxattrAsync(String path, String name) {
    if (!XattrNamespaces.kept(name)) {
      return CompletableFuture.failedFuture(
          new HearthException(Errno.EOPNOTSUPP, "xattr namespace not supported: " + name));
    }
    return withLoc(
        path,
        loc ->
            read(
                b -> b.setGetxattr(GetxattrReq.newBuilder().setLoc(loc).setName(utf8(name))),
                r -> r.getData().toByteArray()));
  }

  public byte[] getxattr(String path, String name) throws HearthException {
    return grantedByWaitingChanges(path, () -> join(getxattrAsync(path, name)));
  }

  public CompletableFuture<List<String>> listxattrAsync(String path) {
    return withLoc(
        path,
        loc ->
            read(
                b -> b.setListxattr(ListxattrReq.newBuilder().setLoc(loc)),
                r ->
                    r.getXattrNames().getNamesList().stream()
                        .map(ByteString::toStringUtf8)
                        .toList()));
  }

  public List<String> listxattr(String path) throws HearthException {
    return grantedByWaitingChanges(path, () -> join(listxattrAsync(path)));
  }

  // ---- writes ----

  public CompletableFuture<Stat> mkdirAsync(String path, int mode) {
    return withLoc(
        path,
        loc ->
            write(
                b -> b.setMkdir(MkdirReq.newBuilder().setLoc(loc).setMode(mode)),
                HearthClient::attr));
  }

  public Stat mkdir(String path, int mode) throws HearthException {
    return join(mkdirAsync(path, mode));
  }

  /** mknod(2): {@code mode} carries the type (S_IFREG, S_IFIFO, S_IFCHR...) and permissions. */
  public CompletableFuture<Stat> mknodAsync(String path, int mode, long rdev) {
    return withLoc(
        path,
        loc ->
            write(
                b -> b.setMknod(MknodReq.newBuilder().setLoc(loc).setMode(mode).setRdev(rdev)),
                HearthClient::attr));
  }

  public Stat mknod(String path, int mode, long rdev) throws HearthException {
    return join(mknodAsync(path, mode, rdev));
  }

  /** Creates an empty regular file; EEXIST if the name is taken. */
  public Stat create(String path, int mode) throws HearthException {
    return mknod(path, FileMode.S_IFREG | (mode & FileMode.PERM_MASK), 0);
  }

  public CompletableFuture<Stat> createAsync(String path, int mode) {
    return mknodAsync(path, FileMode.S_IFREG | (mode & FileMode.PERM_MASK), 0);
  }

  public CompletableFuture<Void> unlinkAsync(String path) {
    return withLoc(
        path, loc -> write(b -> b.setUnlink(UnlinkReq.newBuilder().setLoc(loc)), r -> null));
  }

  public void unlink(String path) throws HearthException {
    join(unlinkAsync(path));
  }

  public CompletableFuture<Void> rmdirAsync(String path) {
    return withLoc(
        path, loc -> write(b -> b.setRmdir(RmdirReq.newBuilder().setLoc(loc)), r -> null));
  }

  public void rmdir(String path) throws HearthException {
    join(rmdirAsync(path));
  }

  /** rename(2) / renameat2(2) with {@link #RENAME_NOREPLACE} or {@link #RENAME_EXCHANGE}. */
  public CompletableFuture<Void> renameAsync(String from, String to, int flags) {
    return withLoc(
        from,
        f ->
            withLoc(
                to,
                t ->
                    write(
                        b ->
                            b.setRename(RenameReq.newBuilder().setFrom(f).setTo(t).setFlags(flags)),
                        r -> null)));
  }

  public void rename(String from, String to, int flags) throws HearthException {
    join(renameAsync(from, to, flags));
  }

  public void rename(String from, String to) throws HearthException {
    rename(from, to, 0);
  }

  /** link(2): a new name {@code newPath} for the inode at {@code existing}. */
  public CompletableFuture<Stat> linkAsync(String existing, String newPath) {
    return withLoc(
        existing,
        e ->
            withLoc(
                newPath,
                n ->
                    write(
                        b -> b.setLink(LinkReq.newBuilder().setTarget(e).setLink(n)),
                        HearthClient::attr)));
  }

  public Stat link(String existing, String newPath) throws HearthException {
    return join(linkAsync(existing, newPath));
  }

  /** symlink(2): a link at {@code linkPath} whose content is {@code target}. */
  public CompletableFuture<Stat> symlinkAsync(String target, String linkPath) {
    return withLoc(
        linkPath,
        loc ->
            write(
                b -> b.setSymlink(SymlinkReq.newBuilder().setLoc(loc).setTarget(utf8(target))),
                HearthClient::attr));
  }

  public Stat symlink(String target, String linkPath) throws HearthException {
    return join(symlinkAsync(target, linkPath));
  }

  /** Any setattr; see the {@link SetattrReq} fields. {@code loc} is filled in from the path. */
  public CompletableFuture<Stat> setattrAsync(String path, SetattrReq.Builder changes) {
    return withLoc(
        path, loc -> write(b -> b.setSetattr(changes.clone().setLoc(loc)), HearthClient::attr));
  }

  public Stat setattr(String path, SetattrReq.Builder changes) throws HearthException {
    return join(setattrAsync(path, changes));
  }

  public Stat chmod(String path, int mode) throws HearthException {
    return chmod(path, mode, true);
  }

  /** chmod(2), or with {@code follow} false the inode the path names itself (a symlink too). */
  public Stat chmod(String path, int mode, boolean follow) throws HearthException {
    return changeAttrs(path, chmodChange(mode), follow);
  }

  /**
   * chmod, chown, utimens by path. On a file this client has open the change goes through the open
   * file, after what it wrote, and may wait for its next commit (OpenInode#setattr): `tar x` and
   * `cp -a` set times, owner and mode of each file they write just before closing it, by path or
   * descriptor alike (FUSE gives no descriptor for them). Finding the open file costs a stat, only
   * while some file is open.
   */
  private Stat changeAttrs(String path, SetattrReq.Builder change, boolean follow)
      throws HearthException {
    OpenAt o = openInodeAt(path, follow);
    if (o != null) {
      return Stat.of(o.inode().setattr(change.build(), credentials.toCaller(), o.namespace()));
    }
    return setattr(path, change.setFollow(follow));
  }

  static SetattrReq.Builder chmodChange(int mode) {
    return SetattrReq.newBuilder().setMode(mode & FileMode.PERM_MASK);
  }

  static SetattrReq.Builder chownChange(int uid, int gid) {
    SetattrReq.Builder b = SetattrReq.newBuilder();
    if (uid != -1) {
      b.setUid(uid);
    }
    if (gid != -1) {
      b.setGid(gid);
    }
    return b;
  }

  static SetattrReq.Builder utimensChange(long atimeNs, long mtimeNs) {
    return SetattrReq.newBuilder().setAtime(time(atimeNs)).setMtime(time(mtimeNs));
  }

  /** chown(2); -1 leaves that id unchanged. */
  public Stat chown(String path, int uid, int gid) throws HearthException {
    return chown(path, uid, gid, true);
  }

  /** chown(2), or lchown(2) with {@code follow} false; -1 leaves that id unchanged. */
  public Stat chown(String path, int uid, int gid, boolean follow) throws HearthException {
    return changeAttrs(path, chownChange(uid, gid), follow);
  }

  /** utimensat(2); each time in ns since the epoch, or {@link #UTIME_NOW} / {@link #UTIME_OMIT}. */
  public Stat utimens(String path, long atimeNs, long mtimeNs) throws HearthException {
    return utimens(path, atimeNs, mtimeNs, true);
  }

  /** utimensat(2), with AT_SYMLINK_NOFOLLOW when {@code follow} is false. */
  public Stat utimens(String path, long atimeNs, long mtimeNs, boolean follow)
      throws HearthException {
    return changeAttrs(path, utimensChange(atimeNs, mtimeNs), follow);
  }

  /**
   * A file this client has open, with its attributes as the namespace has them now (without the
   * changes this client has not committed yet).
   */
  private record OpenAt(OpenInode inode, Attr namespace) {}

  /**
   * The file at {@code path} if this client has it open, else null; costs a stat only while some
   * file is open.
   */
  private OpenAt openInodeAt(String path, boolean follow) throws HearthException {
    Vfs v = files.ifStarted();
    if (v == null || !v.anyOpen()) {
      return null;
    }
    Attr a = join(withLoc(path, loc -> namespaceLookup(loc, follow)));
    OpenInode n = FileMode.isRegular(a.getMode()) ? v.find(a.getIno()) : null;
    return n == null ? null : new OpenAt(n, a);
  }

  /** The attributes of inode {@code ino} as the namespace has them, without this client's view. */
  Attr namespaceAttr(long ino) throws HearthException {
    return join(namespaceLookup(Loc.newBuilder().setBase(ino).build(), false));
  }

  /** A lookup answered by the namespace alone: no open file's waiting changes laid over it. */
  private CompletableFuture<Attr> namespaceLookup(Loc loc, boolean follow) {
    return read(
        b -> b.setLookup(LookupReq.newBuilder().setLoc(loc).setFollow(follow)), MetaReply::getAttr);
  }

  /** A call the namespace answers after checking the caller's permissions on a path. */
  @FunctionalInterface
  private interface Checked<T> {
    T run() throws HearthException;
  }

  /**
   * Runs {@code call}; if the namespace refuses it (EACCES) while this client has the file open
   * with attribute changes it shows but has not committed (a chmod that may grant the access),
   * commits them and asks once more: the namespace judges the file as this client shows it.
   */
  private <T> T grantedByWaitingChanges(String path, Checked<T> call) throws HearthException {
    try {
      return call.run();
    } catch (HearthException e) {
      OpenAt o = e.errno() == Errno.EACCES ? openInodeAt(path, true) : null;
      if (o == null || !o.inode().changesWaiting()) {
        throw e;
      }
      try {
        o.inode().commitNow();
      } catch (HearthException commitFailed) {
        throw e; // the caller asked for access, not for the commit: its answer stands
      }
      return call.run();
    }
  }

  public Stat truncate(String path, long size) throws HearthException {
    OpenAt o = openInodeAt(path, true);
    if (o != null) {
      truncateOpen(o.inode(), size);
      return stat(path);
    }
    return setattr(path, SetattrReq.newBuilder().setSize(size).setFollow(true));
  }

  public CompletableFuture<Void> setxattrAsync(String path, String name, byte[] value, int flags) {
    return withLoc(
        path,
        loc ->
            write(
                b ->
                    b.setSetxattr(
                        SetxattrReq.newBuilder()
                            .setLoc(loc)
                            .setName(utf8(name))
                            .setValue(ByteString.copyFrom(value))
                            .setFlags(flags)),
                r -> null));
  }

  public void setxattr(String path, String name, byte[] value, int flags) throws HearthException {
    grantedByWaitingChanges(path, () -> join(setxattrAsync(path, name, value, flags)));
  }

  public CompletableFuture<Void> removexattrAsync(String path, String name) {
    return withLoc(
        path,
        loc ->
            write(
                b -> b.setRemovexattr(RemovexattrReq.newBuilder().setLoc(loc).setName(utf8(name))),
                r -> null));
  }

  public void removexattr(String path, String name) throws HearthException {
    grantedByWaitingChanges(path, () -> join(removexattrAsync(path, name)));
  }

  // ---- plumbing ----

  private static TimeChange time(long ns) {
    if (ns == UTIME_NOW) {
      return TimeChange.newBuilder().setHow(TimeHow.TIME_NOW).build();
    }
    if (ns == UTIME_OMIT) {
      return TimeChange.newBuilder().setHow(TimeHow.TIME_OMIT).build();
    }
    return TimeChange.newBuilder().setHow(TimeHow.TIME_SET).setNs(ns).build();
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }

  private static Loc loc(String path) throws HearthException {
    Loc.Builder b = Loc.newBuilder();
    for (byte[] n : Names.split(path)) {
      b.addNames(ByteString.copyFrom(n));
    }
    return b.build();
  }

  private static <T> CompletableFuture<T> withLoc(
      String path, Function<Loc, CompletableFuture<T>> f) {
    try {
      return f.apply(loc(path));
    } catch (HearthException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private MetaRequest request(Function<MetaRequest.Builder, MetaRequest.Builder> op) {
    return op.apply(MetaRequest.newBuilder().setCaller(credentials.toCaller())).build();
  }

  private <T> CompletableFuture<T> read(
      Function<MetaRequest.Builder, MetaRequest.Builder> op, Function<MetaReply, T> result) {
    return meta.read(request(op)).thenApply(result);
  }

  private <T> CompletableFuture<T> write(
      Function<MetaRequest.Builder, MetaRequest.Builder> op, Function<MetaReply, T> result) {
    return meta.write(request(op)).thenApply(result);
  }

  private static Stat attr(MetaReply r) {
    return Stat.of(r.getAttr());
  }

  private static DirPage page(MetaReply r) {
    List<DirEntry> out = new ArrayList<>(r.getReaddir().getEntriesCount());
    for (var e : r.getReaddir().getEntriesList()) {
      out.add(
          new DirEntry(
              e.getName().toStringUtf8(),
              e.getIno(),
              e.getMode() & FileMode.S_IFMT,
              e.getCookie(),
              e.hasAttr() ? Stat.of(e.getAttr()) : null));
    }
    return new DirPage(out, r.getReaddir().getEof());
  }

  private static FsStat fsStat(MetaReply r) {
    StatfsReply s = r.getStatfs();
    return new FsStat(
        s.getBlockSize(),
        s.getBlocks(),
        s.getBlocksFree(),
        s.getBlocksAvail(),
        s.getFiles(),
        s.getFilesFree(),
        s.getNameMax());
  }

  /** The failure a completed-exceptionally future carries, as a HearthException. */
  public static HearthException failureOf(CompletableFuture<?> f) {
    return Futures.failureOf(f);
  }

  /**
   * Waits for one of this API's futures, rethrowing its failure as the HearthException it carries.
   */
  public static <T> T join(CompletableFuture<T> f) throws HearthException {
    return Futures.join(f);
  }

  @Override
  public void close() throws IOException {
    if (owner) {
      files.close();
      meta.close();
    }
  }
}
