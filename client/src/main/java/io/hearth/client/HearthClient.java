package io.hearth.client;

import io.hearth.client.meta.MetaClient;
import io.hearth.client.session.ClientSession;
import io.hearth.client.vfs.Vfs;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Names;
import io.hearth.protocol.WireFlags;
import io.hearth.protocol.meta.Loc;
import io.hearth.protocol.meta.SetattrReq;
import io.hearth.protocol.meta.TimeChange;
import io.hearth.protocol.meta.TimeHow;
import io.hearth.rpc.Futures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The Java client API of Hearth's namespace, by path. Paths are absolute within Hearth
 * ("/home/ana/x"), UTF-8; {@link #inodes} is the same API by inode number and byte names (what a
 * FUSE bridge asks). Every operation has a blocking form, which throws {@link HearthException}
 * carrying the errno; many have an {@code ...Async} form whose future fails with one.
 *
 * <p>Consistency: every call is linearizable. Writes are retried across leader changes exactly once
 * (see {@link MetaClient}). Thread-safe: share one client between threads.
 *
 * <p>Permissions are checked by the server against this client's {@link Credentials}: the process's
 * own by default, another's through {@link #withCredentials} (for a FUSE bridge acting for many
 * users).
 */
public final class HearthClient implements AutoCloseable {
  static {
    CommonPool.widen(); // a Java program's too, if it has not used the pool yet (see CommonPool)
  }

  /** For {@link #utimens}: set this time to the server's now. */
  public static final long UTIME_NOW = Long.MAX_VALUE;

  /** For {@link #utimens}: leave this time unchanged. */
  public static final long UTIME_OMIT = Long.MAX_VALUE - 1;

  public static final int RENAME_NOREPLACE = WireFlags.RENAME_NOREPLACE;
  public static final int RENAME_EXCHANGE = WireFlags.RENAME_EXCHANGE;
  public static final int XATTR_CREATE = WireFlags.XATTR_CREATE;
  public static final int XATTR_REPLACE = WireFlags.XATTR_REPLACE;

  private final NamespaceCalls calls;
  private final boolean owner;

  private HearthClient(NamespaceCalls calls, boolean owner) {
    this.calls = calls;
    this.owner = owner;
  }

  /** Connects to a cluster, e.g. {@code "127.0.0.1:9861,127.0.0.1:9862"}. */
  public static HearthClient connect(String clusterSpec) throws HearthException {
    return connect(ClusterSpec.parse(clusterSpec));
  }

  public static HearthClient connect(ClusterSpec spec) {
    return connect(spec, SessionOptions.DEFAULT);
  }

  /**
   * How this client's session describes it and behaves: shown by {@code hearth admin sessions}.
   *
   * @param mountPoint where a FUSE bridge mounts it ("" for a Java program)
   * @param ttlMs how long the cluster keeps the session's locks after it last heard from it (0: the
   *     cluster's default, 10 s)
   * @param leases whether files whose locks no other node uses are leased here (lock calls on them
   *     then cost no round trip)
   */
  public record SessionOptions(String mountPoint, int ttlMs, boolean leases) {
    public static final SessionOptions DEFAULT = new SessionOptions("", 0, true);
  }

  /**
   * Connects with a session of these options. The session is opened at the first open or lock,
   * ended by {@link #close}; what it holds goes with it.
   */
  public static HearthClient connect(ClusterSpec spec, SessionOptions options) {
    MetaClient meta = new MetaClient(spec.metaGroup());
    ClientSession.Description d =
        new ClientSession.Description(hostName(), options.mountPoint(), version(), options.ttlMs());
    return new HearthClient(
        new NamespaceCalls(meta, Credentials.ofProcess(), new FileLayer(meta, d, options.leases())),
        true);
  }

  /** This host's name, as sessions record it ("unknown" if it has none). */
  public static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  private static String version() {
    String v = HearthClient.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /**
   * Cluster-wide record and flock locks, owned by this client's session: what a FUSE bridge serves
   * the kernel's lock calls with.
   */
  public FileLocks locks() {
    return new FileLocks(calls.files().locks());
  }

  /** This client's session id now (opening one if none is open); for logs and admin tools. */
  public long sessionId() throws HearthException {
    return calls.files().session().id();
  }

  /** A view of this client acting as another user; closing the view does not close this client. */
  public HearthClient withCredentials(Credentials c) {
    return new HearthClient(calls.as(c), false);
  }

  public Credentials credentials() {
    return calls.credentials();
  }

  /** The same client by inode number and byte names, as this client's credentials. */
  public Inodes inodes() {
    return new Inodes(calls);
  }

  /**
   * Sends this client's news of changes made elsewhere (a file another node wrote, seen in a reply)
   * to {@code invalidator}: what a FUSE bridge pushes into its kernel's caches.
   */
  public void invalidateThrough(CacheInvalidator invalidator) {
    calls.files().invalidateThrough(invalidator::inode);
  }

  /** The underlying meta client, for admin tools. */
  public MetaClient meta() {
    return calls.meta();
  }

  /** The file layer (open files, block I/O); started on first use. */
  public Vfs vfs() throws HearthException {
    return calls.files().get();
  }

  // ---- files ----

  /**
   * open(2): opens a regular file with {@link HearthFile}'s O_ flags (O_RDONLY, O_WRONLY, O_RDWR,
   * O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_NOFOLLOW); {@code mode} is used when O_CREAT creates it.
   * Permission is checked at open, for this client's credentials. One request.
   */
  public HearthFile open(String path, int flags, int mode) throws HearthException {
    return HearthFile.open(calls, loc(path), path, flags, mode);
  }

  public HearthFile open(String path, int flags) throws HearthException {
    return open(path, flags, 0644);
  }

  // ---- reads ----

  public CompletableFuture<Stat> statAsync(String path) {
    return withLoc(path, loc -> calls.lookup(loc, true));
  }

  public Stat stat(String path) throws HearthException {
    return join(statAsync(path));
  }

  public CompletableFuture<Stat> lstatAsync(String path) {
    return withLoc(path, loc -> calls.lookup(loc, false));
  }

  public Stat lstat(String path) throws HearthException {
    return join(lstatAsync(path));
  }

  /** Attributes of an inode by number (as a FUSE handle or a readdir entry names it). */
  public CompletableFuture<Stat> statAsync(long ino) {
    return calls.lookup(Inodes.at(ino), false);
  }

  public Stat stat(long ino) throws HearthException {
    return join(statAsync(ino));
  }

  public CompletableFuture<String> readlinkAsync(String path) {
    return withLoc(
        path, loc -> calls.readlink(loc).thenApply(b -> new String(b, StandardCharsets.UTF_8)));
  }

  public String readlink(String path) throws HearthException {
    return join(readlinkAsync(path));
  }

  /** One page of entries after {@code cookie} (0 = from the start); "." and ".." are not listed. */
  public CompletableFuture<DirPage> readdirAsync(
      String path, long cookie, int maxEntries, boolean plus) {
    return withLoc(path, loc -> calls.readdir(loc, cookie, maxEntries, plus));
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
   * statfs(2): inodes from the namespace; bytes from the data servers' disks, divided by the
   * replica count (what files can still take).
   */
  public CompletableFuture<FsStat> statfsAsync() {
    return calls.statfs();
  }

  public FsStat statfs() throws HearthException {
    return join(statfsAsync());
  }

  /**
   * access(2): fails with EACCES unless the caller may access the path for {@code mask} (R=4 W=2
   * X=1).
   */
  public void access(String path, int mask) throws HearthException {
    calls.access(loc(path), mask);
  }

  public byte[] getxattr(String path, String name) throws HearthException {
    return calls.getxattr(loc(path), utf8(name));
  }

  public List<String> listxattr(String path) throws HearthException {
    return calls.listxattr(loc(path)).stream()
        .map(b -> new String(b, StandardCharsets.UTF_8))
        .toList();
  }

  // ---- writes ----

  public CompletableFuture<Stat> mkdirAsync(String path, int mode) {
    return withLoc(path, loc -> calls.mkdir(loc, mode));
  }

  public Stat mkdir(String path, int mode) throws HearthException {
    return join(mkdirAsync(path, mode));
  }

  /** mknod(2): {@code mode} carries the type (S_IFREG, S_IFIFO, S_IFCHR...) and permissions. */
  public CompletableFuture<Stat> mknodAsync(String path, int mode, long rdev) {
    return withLoc(path, loc -> calls.mknod(loc, mode, rdev));
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

  /**
   * unlink(2). A file this client has open stays readable and writable through its handles until
   * their last close, as on a local disk.
   */
  public void unlink(String path) throws HearthException {
    calls.unlink(loc(path));
  }

  public CompletableFuture<Void> unlinkAsync(String path) {
    return withLoc(path, calls::unlinkAsync);
  }

  public CompletableFuture<Void> rmdirAsync(String path) {
    return withLoc(path, calls::rmdir);
  }

  public void rmdir(String path) throws HearthException {
    join(rmdirAsync(path));
  }

  /** rename(2) / renameat2(2) with {@link #RENAME_NOREPLACE} or {@link #RENAME_EXCHANGE}. */
  public void rename(String from, String to, int flags) throws HearthException {
    calls.rename(loc(from), loc(to), flags);
  }

  public CompletableFuture<Void> renameAsync(String from, String to, int flags) {
    return withLoc(from, f -> withLoc(to, t -> calls.renameAsync(f, t, flags)));
  }

  public void rename(String from, String to) throws HearthException {
    rename(from, to, 0);
  }

  /** link(2): a new name {@code newPath} for the inode at {@code existing}. */
  public CompletableFuture<Stat> linkAsync(String existing, String newPath) {
    return withLoc(existing, e -> withLoc(newPath, n -> calls.link(e, n)));
  }

  public Stat link(String existing, String newPath) throws HearthException {
    return join(linkAsync(existing, newPath));
  }

  /** symlink(2): a link at {@code linkPath} whose content is {@code target}. */
  public CompletableFuture<Stat> symlinkAsync(String target, String linkPath) {
    return withLoc(linkPath, loc -> calls.symlink(loc, utf8(target)));
  }

  public Stat symlink(String target, String linkPath) throws HearthException {
    return join(symlinkAsync(target, linkPath));
  }

  /** Any setattr; see the {@link SetattrReq} fields. {@code loc} is filled in from the path. */
  public CompletableFuture<Stat> setattrAsync(String path, SetattrReq.Builder changes) {
    return withLoc(path, loc -> calls.setattr(loc, changes));
  }

  public Stat setattr(String path, SetattrReq.Builder changes) throws HearthException {
    return join(setattrAsync(path, changes));
  }

  public Stat chmod(String path, int mode) throws HearthException {
    return chmod(path, mode, true);
  }

  /** chmod(2), or with {@code follow} false the inode the path names itself (a symlink too). */
  public Stat chmod(String path, int mode, boolean follow) throws HearthException {
    return calls.changeAttrs(loc(path), chmodChange(mode), follow);
  }

  /** chown(2); -1 leaves that id unchanged. */
  public Stat chown(String path, int uid, int gid) throws HearthException {
    return chown(path, uid, gid, true);
  }

  /** chown(2), or lchown(2) with {@code follow} false; -1 leaves that id unchanged. */
  public Stat chown(String path, int uid, int gid, boolean follow) throws HearthException {
    return calls.changeAttrs(loc(path), chownChange(uid, gid), follow);
  }

  /** utimensat(2); each time in ns since the epoch, or {@link #UTIME_NOW} / {@link #UTIME_OMIT}. */
  public Stat utimens(String path, long atimeNs, long mtimeNs) throws HearthException {
    return utimens(path, atimeNs, mtimeNs, true);
  }

  /** utimensat(2), with AT_SYMLINK_NOFOLLOW when {@code follow} is false. */
  public Stat utimens(String path, long atimeNs, long mtimeNs, boolean follow)
      throws HearthException {
    return calls.changeAttrs(loc(path), utimensChange(atimeNs, mtimeNs), follow);
  }

  public Stat truncate(String path, long size) throws HearthException {
    return calls.truncate(loc(path), size);
  }

  public void setxattr(String path, String name, byte[] value, int flags) throws HearthException {
    calls.setxattr(loc(path), utf8(name), value, flags);
  }

  public void removexattr(String path, String name) throws HearthException {
    calls.removexattr(loc(path), utf8(name));
  }

  // ---- the changes behind chmod, chown, utimens ----

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

  static TimeChange time(long ns) {
    if (ns == UTIME_NOW) {
      return TimeChange.newBuilder().setHow(TimeHow.TIME_NOW).build();
    }
    if (ns == UTIME_OMIT) {
      return TimeChange.newBuilder().setHow(TimeHow.TIME_OMIT).build();
    }
    return TimeChange.newBuilder().setHow(TimeHow.TIME_SET).setNs(ns).build();
  }

  // ---- plumbing ----

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static Loc loc(String path) throws HearthException {
    Loc.Builder b = Loc.newBuilder();
    for (byte[] n : Names.split(path)) {
      b.addNames(com.google.protobuf.ByteString.copyFrom(n));
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
      calls.files().close();
      calls.meta().close();
    }
  }
}
