package io.hearth.fuse.proto;

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
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * An in-memory file system by inode, the one both bridge prototypes serve (the bridge alone, no
 * Hearth behind it): directories and regular files, data off the heap in 256 KiB chunks, lookup
 * counts that drop a node once the kernel forgot it and nothing names or holds it.
 *
 * <p>Threads: the namespace (names, link and lookup counts) changes under this object's lock; a
 * file's data and attributes under the node's own lock (namespace lock first when both).
 */
class MemFs implements InodeFileSystem {
  static final long TTL_NS = 1_000_000_000L; // as passthrough_ll's default (cache=auto)
  static final int CHUNK = 256 << 10;
  static final int BLKSIZE = 4096;

  private static final int S_IFMT = 0170000;
  private static final int S_IFDIR = 0040000;
  private static final int S_IFREG = 0100000;

  /** A name as the kernel's bytes, usable as a map key. */
  private record Name(byte[] b) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Name n && Arrays.equals(b, n.b);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(b);
    }
  }

  private static final class Node {
    final long ino;
    final long generation;
    int mode;
    int nlink;
    int uid;
    int gid;
    long size;
    long atimeNs;
    long mtimeNs;
    long ctimeNs;
    long lookups;
    int opens;
    long parent;
    // directories: entries by name, and by cookie for readdir offsets that survive changes
    Map<Name, Long> byName;
    TreeMap<Long, byte[]> byCookie;
    Map<Name, Long> cookieOf;
    long nextCookie = 3; // 1 is ".", 2 is ".."
    // files
    List<MemorySegment> chunks;

    Node(long ino, long generation, int mode, int uid, int gid, long now) {
      this.ino = ino;
      this.generation = generation;
      this.mode = mode;
      this.uid = uid;
      this.gid = gid;
      this.atimeNs = this.mtimeNs = this.ctimeNs = now;
      if ((mode & S_IFMT) == S_IFDIR) {
        byName = new HashMap<>();
        byCookie = new TreeMap<>();
        cookieOf = new HashMap<>();
        nlink = 2;
      } else {
        chunks = new ArrayList<>();
        nlink = 1;
      }
    }

    boolean isDir() {
      return byName != null;
    }

    synchronized Attr attr() {
      return new Attr(
          ino,
          size,
          (size + 511) / 512,
          atimeNs,
          mtimeNs,
          ctimeNs,
          mode,
          nlink,
          uid,
          gid,
          0,
          BLKSIZE);
    }
  }

  private final ConcurrentHashMap<Long, Node> nodes = new ConcurrentHashMap<>();
  private final LongSupplier clockNs;
  private final long ttlNs;
  private long nextIno = FuseAbi.ROOT_ID + 1;

  MemFs(LongSupplier clockNs) {
    this(clockNs, TTL_NS);
  }

  /**
   * @param ttlNs how long the kernel may trust names and attributes
   */
  MemFs(LongSupplier clockNs, long ttlNs) {
    this.clockNs = clockNs;
    this.ttlNs = ttlNs;
    Node root = new Node(FuseAbi.ROOT_ID, 1, S_IFDIR | 0755, 0, 0, clockNs.getAsLong());
    root.parent = FuseAbi.ROOT_ID;
    root.lookups = 1; // the kernel never looks the root up and never forgets it
    nodes.put(root.ino, root);
  }

  static MemFs withSystemClock() {
    return new MemFs(() -> System.currentTimeMillis() * 1_000_000L);
  }

  int nodeCount() {
    return nodes.size();
  }

  /** The node {@code name} in {@code parent} names, or 0; as another node's client would ask. */
  synchronized long nodeOf(long parent, byte[] name) {
    Node d = nodes.get(parent);
    Long ino = d == null || !d.isDir() ? null : d.byName.get(new Name(name));
    return ino == null ? 0 : ino;
  }

  /** A change made elsewhere (another node): the kernel does not know until told. */
  void truncateElsewhere(long ino, long size) throws FuseError {
    Node n = node(ino);
    synchronized (n) {
      truncate(n, size);
    }
  }

  private Node node(long ino) throws FuseError {
    Node n = nodes.get(ino);
    if (n == null) {
      throw new FuseError(Errnos.ESTALE);
    }
    return n;
  }

  private Node dir(long ino) throws FuseError {
    Node n = node(ino);
    if (!n.isDir()) {
      throw new FuseError(Errnos.ENOTDIR);
    }
    return n;
  }

  private Entry entry(Node n) {
    return new Entry(n.ino, n.generation, n.attr(), ttlNs, ttlNs);
  }

  /** Counts one lookup of the node named by {@code e}, as the kernel will. */
  private Entry counted(Node n) {
    n.lookups++;
    return entry(n);
  }

  private Node child(Node dir, Name key) throws FuseError {
    Long ino = dir.byName.get(key);
    if (ino == null) {
      throw new FuseError(Errnos.ENOENT);
    }
    return nodes.get(ino);
  }

  @Override
  public synchronized Entry lookup(Caller c, long parent, byte[] name) throws FuseError {
    return counted(child(dir(parent), new Name(name)));
  }

  @Override
  public synchronized void forget(long nodeId, long nlookup) {
    Node n = nodes.get(nodeId);
    if (n == null || n.ino == FuseAbi.ROOT_ID) {
      return;
    }
    n.lookups = Math.max(0, n.lookups - nlookup);
    dropIfUnused(n);
  }

  private void dropIfUnused(Node n) {
    if (n.lookups == 0 && n.nlink == 0 && n.opens == 0) {
      nodes.remove(n.ino);
    }
  }

  @Override
  public AttrReply getattr(Caller c, long nodeId, long fh) throws FuseError {
    return new AttrReply(node(nodeId).attr(), ttlNs);
  }

  @Override
  public AttrReply setattr(Caller c, long nodeId, SetAttr s) throws FuseError {
    Node n = node(nodeId);
    long now = clockNs.getAsLong();
    synchronized (n) {
      if (s.has(FuseAbi.FATTR_MODE)) {
        n.mode = (n.mode & S_IFMT) | (s.mode() & 07777);
      }
      if (s.has(FuseAbi.FATTR_UID)) {
        n.uid = s.uid();
      }
      if (s.has(FuseAbi.FATTR_GID)) {
        n.gid = s.gid();
      }
      if (s.has(FuseAbi.FATTR_SIZE)) {
        if (n.isDir()) {
          throw new FuseError(Errnos.EISDIR);
        }
        truncate(n, s.size());
        n.mtimeNs = now;
      }
      if (s.has(FuseAbi.FATTR_ATIME)) {
        n.atimeNs = s.has(FuseAbi.FATTR_ATIME_NOW) ? now : s.atimeNs();
      }
      if (s.has(FuseAbi.FATTR_MTIME)) {
        n.mtimeNs = s.has(FuseAbi.FATTR_MTIME_NOW) ? now : s.mtimeNs();
      }
      n.ctimeNs = s.has(FuseAbi.FATTR_CTIME) ? s.ctimeNs() : now;
    }
    return new AttrReply(n.attr(), ttlNs);
  }

  private static void truncate(Node n, long size) {
    int keep = (int) ((size + CHUNK - 1) / CHUNK);
    while (n.chunks.size() > keep) {
      n.chunks.removeLast();
    }
    if (size < n.size && size % CHUNK != 0 && keep > 0 && keep <= n.chunks.size()) {
      MemorySegment last = n.chunks.get(keep - 1);
      if (last != null) {
        last.asSlice(size % CHUNK).fill((byte) 0);
      }
    }
    n.size = size;
  }

  private Node newNode(Caller c, Node parent, byte[] name, int mode) throws FuseError {
    Name key = new Name(name);
    if (parent.byName.containsKey(key)) {
      throw new FuseError(Errnos.EEXIST);
    }
    if (name.length > 255) {
      throw new FuseError(Errnos.ENAMETOOLONG);
    }
    long now = clockNs.getAsLong();
    long ino = nextIno++;
    Node n = new Node(ino, 1, mode, c.uid(), c.gid(), now);
    n.parent = parent.ino;
    nodes.put(ino, n);
    link(parent, key, ino, now);
    if (n.isDir()) {
      parent.nlink++;
    }
    return n;
  }

  private static void link(Node parent, Name key, long ino, long now) {
    parent.byName.put(key, ino);
    long cookie = parent.nextCookie++;
    parent.byCookie.put(cookie, key.b());
    parent.cookieOf.put(key, cookie);
    parent.mtimeNs = parent.ctimeNs = now;
  }

  private static Long unlinkName(Node parent, Name key, long now) {
    Long ino = parent.byName.remove(key);
    if (ino != null) {
      parent.byCookie.remove(parent.cookieOf.remove(key));
      parent.mtimeNs = parent.ctimeNs = now;
    }
    return ino;
  }

  @Override
  public synchronized Entry mkdir(Caller c, long parent, byte[] name, int mode, int umask)
      throws FuseError {
    return counted(newNode(c, dir(parent), name, S_IFDIR | (mode & 07777)));
  }

  @Override
  public synchronized Created create(
      Caller c, long parent, byte[] name, int flags, int mode, int umask) throws FuseError {
    Node n = newNode(c, dir(parent), name, S_IFREG | (mode & 07777));
    n.opens++;
    return new Created(counted(n), new Opened(n.ino, 0));
  }

  @Override
  public synchronized void unlink(Caller c, long parent, byte[] name) throws FuseError {
    Node d = dir(parent);
    Name key = new Name(name);
    Node n = child(d, key);
    if (n.isDir()) {
      throw new FuseError(Errnos.EISDIR);
    }
    long now = clockNs.getAsLong();
    unlinkName(d, key, now);
    synchronized (n) {
      n.nlink--;
      n.ctimeNs = now;
    }
    dropIfUnused(n);
  }

  @Override
  public synchronized void rmdir(Caller c, long parent, byte[] name) throws FuseError {
    Node d = dir(parent);
    Name key = new Name(name);
    Node n = child(d, key);
    if (!n.isDir()) {
      throw new FuseError(Errnos.ENOTDIR);
    }
    if (!n.byName.isEmpty()) {
      throw new FuseError(Errnos.ENOTEMPTY);
    }
    unlinkName(d, key, clockNs.getAsLong());
    d.nlink--;
    n.nlink = 0;
    dropIfUnused(n);
  }

  @Override
  public synchronized void rename(
      Caller c, long parent, byte[] name, long newParent, byte[] newName, int flags)
      throws FuseError {
    if (flags != 0) {
      throw new FuseError(Errnos.EINVAL); // NOREPLACE/EXCHANGE: not needed by the benchmarks
    }
    Node from = dir(parent);
    Node to = dir(newParent);
    Name key = new Name(name);
    Name newKey = new Name(newName);
    Long ino = from.byName.get(key);
    if (ino == null) {
      throw new FuseError(Errnos.ENOENT);
    }
    Node n = nodes.get(ino);
    long now = clockNs.getAsLong();
    Long old = to.byName.get(newKey);
    if (old != null) {
      if (old.equals(ino)) {
        return;
      }
      Node victim = nodes.get(old);
      if (victim.isDir() != n.isDir()) {
        throw new FuseError(n.isDir() ? Errnos.ENOTDIR : Errnos.EISDIR);
      }
      if (victim.isDir() && !victim.byName.isEmpty()) {
        throw new FuseError(Errnos.ENOTEMPTY);
      }
      unlinkName(to, newKey, now);
      victim.nlink = victim.isDir() ? 0 : victim.nlink - 1;
      if (victim.isDir()) {
        to.nlink--;
      }
      dropIfUnused(victim);
    }
    unlinkName(from, key, now);
    link(to, newKey, ino, now);
    if (n.isDir() && from != to) {
      from.nlink--;
      to.nlink++;
      n.parent = to.ino;
    }
    n.ctimeNs = now;
  }

  @Override
  public synchronized Opened open(Caller c, long nodeId, int flags) throws FuseError {
    Node n = node(nodeId);
    if (n.isDir()) {
      throw new FuseError(Errnos.EISDIR);
    }
    n.opens++;
    if ((flags & 01000) != 0) { // O_TRUNC (ATOMIC_O_TRUNC: the kernel leaves it to open)
      synchronized (n) {
        truncate(n, 0);
        n.mtimeNs = n.ctimeNs = clockNs.getAsLong();
      }
    }
    return new Opened(n.ino, 0); // no FOPEN_KEEP_CACHE: passthrough_ll's cache=auto does neither
  }

  @Override
  public int read(Caller c, long nodeId, long fh, long offset, MemorySegment dst) throws FuseError {
    Node n = node(nodeId);
    synchronized (n) {
      long end = Math.min(n.size, offset + dst.byteSize());
      int done = 0;
      for (long at = offset; at < end; ) {
        int ci = (int) (at / CHUNK);
        int co = (int) (at % CHUNK);
        int len = (int) Math.min(CHUNK - co, end - at);
        MemorySegment chunk = ci < n.chunks.size() ? n.chunks.get(ci) : null;
        if (chunk == null) {
          dst.asSlice(done, len).fill((byte) 0);
        } else {
          MemorySegment.copy(chunk, co, dst, done, len);
        }
        at += len;
        done += len;
      }
      return done;
    }
  }

  @Override
  public int write(Caller c, long nodeId, long fh, long offset, MemorySegment src, int writeFlags)
      throws FuseError {
    Node n = node(nodeId);
    long len = src.byteSize();
    synchronized (n) {
      long end = offset + len;
      int done = 0;
      for (long at = offset; at < end; ) {
        int ci = (int) (at / CHUNK);
        int co = (int) (at % CHUNK);
        int part = (int) Math.min(CHUNK - co, end - at);
        while (n.chunks.size() <= ci) {
          n.chunks.add(null);
        }
        MemorySegment chunk = n.chunks.get(ci);
        if (chunk == null) {
          chunk = Arena.ofAuto().allocate(CHUNK, 4096);
          n.chunks.set(ci, chunk);
        }
        MemorySegment.copy(src, done, chunk, co, part);
        at += part;
        done += part;
      }
      n.size = Math.max(n.size, end);
      n.mtimeNs = n.ctimeNs = clockNs.getAsLong();
      return done;
    }
  }

  @Override
  public void flush(Caller c, long nodeId, long fh, long lockOwner) {}

  @Override
  public synchronized void release(
      long nodeId, long fh, int flags, long lockOwner, int releaseFlags) {
    Node n = nodes.get(nodeId);
    if (n != null) {
      n.opens--;
      dropIfUnused(n);
    }
  }

  @Override
  public void fsync(Caller c, long nodeId, long fh, boolean datasync) {}

  @Override
  public Opened opendir(Caller c, long nodeId, int flags) throws FuseError {
    dir(nodeId);
    return new Opened(0, 0);
  }

  private static final byte[] DOT = {'.'};
  private static final byte[] DOTDOT = {'.', '.'};

  @Override
  public synchronized void readdir(Caller c, long nodeId, long fh, long offset, DirSink sink)
      throws FuseError {
    Node d = dir(nodeId);
    if (offset < 1 && !add(sink, DOT, d, 1, false)) {
      return;
    }
    if (offset < 2 && !add(sink, DOTDOT, nodes.get(d.parent), 2, false)) {
      return;
    }
    for (Map.Entry<Long, byte[]> e : d.byCookie.tailMap(Math.max(offset, 2), false).entrySet()) {
      Node n = nodes.get(d.byName.get(new Name(e.getValue())));
      if (!add(sink, e.getValue(), n, e.getKey(), true)) {
        return;
      }
    }
  }

  /** One record; in READDIRPLUS a counted entry, except "." and ".." (node id 0). */
  private boolean add(DirSink sink, byte[] name, Node n, long next, boolean counts) {
    if (!sink.plus()) {
      return sink.add(name, n.ino, n.mode, next);
    }
    if (!counts) {
      return sink.addPlus(name, new Entry(0, 0, n.attr(), 0, 0), next);
    }
    if (sink.addPlus(name, entry(n), next)) {
      n.lookups++;
      return true;
    }
    return false;
  }

  @Override
  public void releasedir(long nodeId, long fh) {}

  @Override
  public StatFs statfs(Caller c, long nodeId) {
    return new StatFs(1L << 24, 1L << 23, 1L << 23, 1L << 20, 1L << 19, BLKSIZE, 255, BLKSIZE);
  }

  @Override
  public void destroy() {
    synchronized (this) {
      nodes.values().removeIf(n -> n.ino != FuseAbi.ROOT_ID);
    }
  }
}
