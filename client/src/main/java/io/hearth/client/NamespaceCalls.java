package io.hearth.client;

import com.google.protobuf.ByteString;
import io.hearth.client.meta.MetaClient;
import io.hearth.client.vfs.OpenInode;
import io.hearth.client.vfs.Vfs;
import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
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
import io.hearth.protocol.meta.UnlinkReq;
import io.hearth.protocol.posix.OpenRule;
import io.hearth.rpc.Futures;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The namespace calls of one client as one caller, each on a {@link Loc} (a base inode and names):
 * what the path API ({@link HearthClient}) and the inode API ({@link Inodes}) both are, so that a
 * FUSE bridge asking by inode and a Java program asking by path get one behaviour.
 *
 * <p>It adds to the plain requests what an open file of this client needs: a stat of an open file
 * shows its unflushed writes and waiting changes and tells the file what the namespace said; chmod,
 * chown, utimens and truncate of an open file go through it (after what it wrote); a call the
 * namespace refuses with EACCES while a waiting chmod would let it through commits that chmod and
 * asks again. Every open carries a claim of the client's session, so that a file unlinked or
 * renamed over while open here stays (an orphan) until its last close here.
 *
 * <p>Thread-safe; immutable.
 */
final class NamespaceCalls {
  private final MetaClient meta;
  private final Credentials credentials;
  private final FileLayer files;

  NamespaceCalls(MetaClient meta, Credentials credentials, FileLayer files) {
    this.meta = meta;
    this.credentials = credentials;
    this.files = files;
  }

  NamespaceCalls as(Credentials c) {
    return new NamespaceCalls(meta, c, files);
  }

  Credentials credentials() {
    return credentials;
  }

  MetaClient meta() {
    return meta;
  }

  FileLayer files() {
    return files;
  }

  // ---- reads ----

  CompletableFuture<Stat> lookup(Loc loc, boolean follow) {
    return read(b -> b.setLookup(LookupReq.newBuilder().setLoc(loc).setFollow(follow)))
        .thenApply(this::overlay);
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

  CompletableFuture<byte[]> readlink(Loc loc) {
    return read(b -> b.setReadlink(ReadlinkReq.newBuilder().setLoc(loc)))
        .thenApply(r -> r.getData().toByteArray());
  }

  CompletableFuture<DirPage> readdir(Loc loc, long cookie, int maxEntries, boolean plus) {
    return read(b ->
            b.setReaddir(
                ReaddirReq.newBuilder()
                    .setLoc(loc)
                    .setCookie(cookie)
                    .setMaxEntries(maxEntries)
                    .setPlus(plus)))
        .thenApply(NamespaceCalls::page);
  }

  /**
   * statfs(2): inodes from the namespace; bytes from the data servers' disks, each node's capacity
   * counted once and divided by the replica count (what files can still take), as CephFS reports a
   * replicated pool. Falls back to the meta leader's disk when no data server answers.
   */
  CompletableFuture<FsStat> statfs() {
    return read(b -> b.setStatfs(StatfsReq.getDefaultInstance()))
        .thenApply(NamespaceCalls::fsStat)
        .thenApplyAsync(this::withDataCapacity, r -> Thread.ofVirtual().start(r));
  }

  private FsStat withDataCapacity(FsStat ns) {
    Map<String, DataStat> nodes;
    int replicas;
    try {
      var blocks = files.get().blocks();
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

  void access(Loc loc, int mask) throws HearthException {
    grantedByWaitingChanges(
        loc,
        () ->
            Futures.join(read(b -> b.setAccess(AccessReq.newBuilder().setLoc(loc).setMask(mask)))));
  }

  byte[] getxattr(Loc loc, byte[] name) throws HearthException {
    checkXattrNamespace(name);
    return grantedByWaitingChanges(
        loc,
        () ->
            Futures.join(
                    read(
                        b ->
                            b.setGetxattr(
                                GetxattrReq.newBuilder()
                                    .setLoc(loc)
                                    .setName(ByteString.copyFrom(name)))))
                .getData()
                .toByteArray());
  }

  List<byte[]> listxattr(Loc loc) throws HearthException {
    return grantedByWaitingChanges(
        loc,
        () ->
            Futures.join(read(b -> b.setListxattr(ListxattrReq.newBuilder().setLoc(loc))))
                .getXattrNames()
                .getNamesList()
                .stream()
                .map(ByteString::toByteArray)
                .toList());
  }

  /** A namespace other than user. and trusted. is EOPNOTSUPP here, without asking the servers. */
  private static void checkXattrNamespace(byte[] name) throws HearthException {
    String n = new String(name, StandardCharsets.ISO_8859_1);
    if (!XattrNamespaces.kept(n)) {
      throw new HearthException(Errno.EOPNOTSUPP, "xattr namespace not supported: " + n);
    }
  }

  // ---- writes ----

  CompletableFuture<Stat> mkdir(Loc loc, int mode) {
    return write(b -> b.setMkdir(MkdirReq.newBuilder().setLoc(loc).setMode(mode)))
        .thenApply(NamespaceCalls::attr);
  }

  CompletableFuture<Stat> mknod(Loc loc, int mode, long rdev) {
    return write(b -> b.setMknod(MknodReq.newBuilder().setLoc(loc).setMode(mode).setRdev(rdev)))
        .thenApply(NamespaceCalls::attr);
  }

  CompletableFuture<Stat> symlink(Loc loc, byte[] target) {
    return write(
            b ->
                b.setSymlink(
                    SymlinkReq.newBuilder().setLoc(loc).setTarget(ByteString.copyFrom(target))))
        .thenApply(NamespaceCalls::attr);
  }

  CompletableFuture<Stat> link(Loc existing, Loc link) {
    return write(b -> b.setLink(LinkReq.newBuilder().setTarget(existing).setLink(link)))
        .thenApply(NamespaceCalls::attr);
  }

  CompletableFuture<Void> rmdir(Loc loc) {
    return write(b -> b.setRmdir(RmdirReq.newBuilder().setLoc(loc))).thenApply(r -> null);
  }

  /**
   * unlink(2). A file open anywhere (a session holds it) stays readable and writable through its
   * descriptors until the last one closes: the namespace keeps it as an orphan.
   */
  void unlink(Loc loc) throws HearthException {
    Futures.join(unlinkAsync(loc));
  }

  CompletableFuture<Void> unlinkAsync(Loc loc) {
    return write(b -> b.setUnlink(UnlinkReq.newBuilder().setLoc(loc))).thenApply(r -> null);
  }

  CompletableFuture<Void> renameAsync(Loc from, Loc to, int flags) {
    return write(b -> b.setRename(RenameReq.newBuilder().setFrom(from).setTo(to).setFlags(flags)))
        .thenApply(r -> null);
  }

  /** rename(2) / renameat2(2); a replaced file open anywhere is kept as unlink keeps it. */
  void rename(Loc from, Loc to, int flags) throws HearthException {
    Futures.join(renameAsync(from, to, flags));
  }

  /**
   * chmod, chown, utimens. On a file this client has open the change goes through the open file,
   * after what it wrote, and may wait for its next commit (OpenInode#setattr): `tar x` and `cp -a`
   * set times, owner and mode of each file they write just before closing it. Finding the open file
   * costs a stat, only while some file is open.
   */
  Stat changeAttrs(Loc loc, SetattrReq.Builder change, boolean follow) throws HearthException {
    OpenAt o = openInodeAt(loc, follow);
    if (o != null) {
      return Stat.of(o.inode().setattr(change.build(), credentials.toCaller(), o.namespace()));
    }
    return Futures.join(setattr(loc, change.setFollow(follow)));
  }

  CompletableFuture<Stat> setattr(Loc loc, SetattrReq.Builder changes) {
    return write(b -> b.setSetattr(changes.clone().setLoc(loc))).thenApply(NamespaceCalls::attr);
  }

  Stat truncate(Loc loc, long size) throws HearthException {
    OpenAt o = openInodeAt(loc, true);
    if (o != null) {
      truncateOpen(o.inode(), size, false);
      return Futures.join(lookup(loc, true));
    }
    return Futures.join(setattr(loc, SetattrReq.newBuilder().setSize(size).setFollow(true)));
  }

  /**
   * truncate of an inode this client has open: its buffered writes go first, then the size.
   *
   * @param writable through a handle opened for writing (ftruncate): write permission was checked
   *     at open and is not asked again, as POSIX has it
   */
  Attr truncateOpen(OpenInode node, long size, boolean writable) throws HearthException {
    node.commitNow();
    Attr a =
        Futures.join(
                write(
                    b ->
                        b.setSetattr(
                            SetattrReq.newBuilder()
                                .setLoc(Loc.newBuilder().setBase(node.ino()))
                                .setSize(size)
                                .setThroughWritableHandle(writable))))
            .getAttr();
    return node.observe(a);
  }

  void setxattr(Loc loc, byte[] name, byte[] value, int flags) throws HearthException {
    checkXattrNamespace(name);
    grantedByWaitingChanges(
        loc,
        () ->
            Futures.join(
                write(
                    b ->
                        b.setSetxattr(
                            SetxattrReq.newBuilder()
                                .setLoc(loc)
                                .setName(ByteString.copyFrom(name))
                                .setValue(ByteString.copyFrom(value))
                                .setFlags(flags)))));
  }

  void removexattr(Loc loc, byte[] name) throws HearthException {
    checkXattrNamespace(name);
    grantedByWaitingChanges(
        loc,
        () ->
            Futures.join(
                write(
                    b ->
                        b.setRemovexattr(
                            RemovexattrReq.newBuilder()
                                .setLoc(loc)
                                .setName(ByteString.copyFrom(name))))));
  }

  // ---- open ----

  /**
   * The namespace half of open(2), one request (OpenOp): a read, or one log entry with O_CREAT or
   * O_TRUNC. Writes this client still holds for the file go first when the open truncates it, so
   * that none lands after the truncate. A mode this client shows but has not committed yet (a
   * waiting chmod) that would let the open through is committed, and the open asked again.
   */
  OpenReply open(Loc loc, int flags, int mode) throws HearthException {
    if ((flags & OpenRule.O_TRUNC) != 0) {
      OpenAt o = openInodeAt(loc, true);
      if (o != null) {
        o.inode().commitNow();
      }
    }
    // the session holds the file from this open on, should its name go while it is open here
    files.session().id(); // opened if none is: the request carries it
    long claim = files.session().nextClaim();
    Function<MetaRequest.Builder, MetaRequest.Builder> op =
        b ->
            b.setOpen(
                OpenReq.newBuilder().setLoc(loc).setFlags(flags).setMode(mode).setClaim(claim));
    OpenReply r =
        grantedByWaitingChanges(
            loc, () -> Futures.join(OpenRule.changes(flags) ? write(op) : read(op)).getOpen());
    files.session().opened(r.getAttr().getIno(), claim);
    return r;
  }

  // ---- open files ----

  /**
   * A file this client has open, with its attributes as the namespace has them now (without the
   * changes this client has not committed yet).
   */
  record OpenAt(OpenInode inode, Attr namespace) {}

  /**
   * The file {@code loc} names if this client has it open, else null; costs a stat only while some
   * file is open.
   */
  OpenAt openInodeAt(Loc loc, boolean follow) throws HearthException {
    Vfs v = files.ifStarted();
    if (v == null || !v.anyOpen()) {
      return null;
    }
    Attr a;
    try {
      a = namespaceAttr(loc, follow);
    } catch (HearthException e) {
      return null; // nothing there, or nothing to see: the call itself says so
    }
    OpenInode n = FileMode.isRegular(a.getMode()) ? v.find(a.getIno()) : null;
    return n == null ? null : new OpenAt(n, a);
  }

  /** The attributes of what {@code loc} names as the namespace has them, without this client's. */
  Attr namespaceAttr(Loc loc, boolean follow) throws HearthException {
    return Futures.join(
            read(b -> b.setLookup(LookupReq.newBuilder().setLoc(loc).setFollow(follow))))
        .getAttr();
  }

  /** A call the namespace answers after checking the caller's permissions. */
  @FunctionalInterface
  interface Checked<T> {
    T run() throws HearthException;
  }

  @FunctionalInterface
  interface CheckedVoid {
    void run() throws HearthException;
  }

  private void grantedByWaitingChanges(Loc loc, CheckedVoid call) throws HearthException {
    grantedByWaitingChanges(
        loc,
        () -> {
          call.run();
          return null;
        });
  }

  /**
   * Runs {@code call}; if the namespace refuses it (EACCES) while this client has the file open
   * with attribute changes it shows but has not committed (a chmod that may grant the access),
   * commits them and asks once more: the namespace judges the file as this client shows it.
   */
  <T> T grantedByWaitingChanges(Loc loc, Checked<T> call) throws HearthException {
    try {
      return call.run();
    } catch (HearthException e) {
      OpenAt o = e.errno() == Errno.EACCES ? openInodeAt(loc, true) : null;
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

  // ---- plumbing ----

  private MetaRequest request(Function<MetaRequest.Builder, MetaRequest.Builder> op) {
    return op.apply(MetaRequest.newBuilder().setCaller(credentials.toCaller())).build();
  }

  CompletableFuture<MetaReply> read(Function<MetaRequest.Builder, MetaRequest.Builder> op) {
    return meta.read(request(op));
  }

  CompletableFuture<MetaReply> write(Function<MetaRequest.Builder, MetaRequest.Builder> op) {
    return meta.write(request(op));
  }

  private static Stat attr(MetaReply r) {
    return Stat.of(r.getAttr());
  }

  private static DirPage page(MetaReply r) {
    List<DirEntry> out = new ArrayList<>(r.getReaddir().getEntriesCount());
    for (var e : r.getReaddir().getEntriesList()) {
      out.add(
          new DirEntry(
              e.getName().toByteArray(),
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
}
