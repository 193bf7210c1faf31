package io.hearth.server.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.AccessReq;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.BlockRef;
import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.meta.DirEntry;
import io.hearth.protocol.meta.Extent;
import io.hearth.protocol.meta.GcDoneReq;
import io.hearth.protocol.meta.GcListReq;
import io.hearth.protocol.meta.GetxattrReq;
import io.hearth.protocol.meta.LayoutReply;
import io.hearth.protocol.meta.LayoutReq;
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
import io.hearth.protocol.meta.ReadMapReply;
import io.hearth.protocol.meta.ReadMapReq;
import io.hearth.protocol.meta.ReaddirReply;
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
import io.hearth.protocol.meta.UnreferencedReq;
import io.hearth.protocol.meta.WriteReq;
import io.hearth.rpc.ReplyCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A path-level view of a {@link MetaHarness} for one caller, shaped like the system calls: every
 * method sends one request and returns its result, or throws the reply's errno as a
 * HearthException. Paths are split on '/' without any check, so tests can send what a client would
 * refuse.
 */
public final class TestFs {
  public static final Caller ROOT = Caller.newBuilder().build();

  /** A step of a test that may fail with an errno. */
  public interface Call {
    void run() throws HearthException;
  }

  private final MetaHarness h;
  private final Caller caller;
  private final long session;

  public TestFs(MetaHarness h, Caller caller) {
    this(h, caller, 0);
  }

  private TestFs(MetaHarness h, Caller caller, long session) {
    this.h = h;
    this.caller = caller;
    this.session = session;
  }

  /** The same caller, its requests carrying {@code s} as their session. */
  public TestFs inSession(long s) {
    return new TestFs(h, caller, s);
  }

  public long session() {
    return session;
  }

  public TestFs as(int uid, int gid, int... groups) {
    Caller.Builder c = Caller.newBuilder().setUid(uid).setGid(gid);
    for (int g : groups) {
      c.addGroups(g);
    }
    return new TestFs(h, c.build(), session);
  }

  public MetaHarness harness() {
    return h;
  }

  /** The errno a call fails with, or null when it succeeds. */
  public static Errno errnoOf(Call c) {
    try {
      c.run();
      return null;
    } catch (HearthException e) {
      return e.errno();
    }
  }

  public static void assertErrno(Errno expected, Call c) {
    assertEquals(expected, errnoOf(c));
  }

  public static void assertErrno(Errno expected, Call c, String why) {
    assertEquals(expected, errnoOf(c), why);
  }

  public static Loc loc(String path) {
    return locAt(0, path);
  }

  /** A Loc starting at inode {@code base}; "" names the base itself. */
  public static Loc locAt(long base, String path) {
    Loc.Builder l = Loc.newBuilder().setBase(base);
    for (String n : path.split("/", -1)) {
      if (!n.isEmpty()) {
        l.addNames(ByteString.copyFromUtf8(n));
      }
    }
    return l.build();
  }

  public MetaReply send(MetaRequest.Builder req) throws HearthException {
    MetaReply r = h.send(req.setCaller(caller).setSession(session).build());
    return ReplyCodec.check(r);
  }

  public Attr stat(Loc l, boolean follow) throws HearthException {
    return send(MetaRequest.newBuilder()
            .setLookup(LookupReq.newBuilder().setLoc(l).setFollow(follow)))
        .getAttr();
  }

  public Attr stat(String p) throws HearthException {
    return stat(loc(p), true);
  }

  public Attr lstat(String p) throws HearthException {
    return stat(loc(p), false);
  }

  public Attr mkdir(String p, int mode) throws HearthException {
    return send(MetaRequest.newBuilder()
            .setMkdir(MkdirReq.newBuilder().setLoc(loc(p)).setMode(mode)))
        .getAttr();
  }

  public Attr mknod(Loc l, int mode, long rdev) throws HearthException {
    return send(MetaRequest.newBuilder()
            .setMknod(MknodReq.newBuilder().setLoc(l).setMode(mode).setRdev(rdev)))
        .getAttr();
  }

  public Attr mknod(String p, int mode, long rdev) throws HearthException {
    return mknod(loc(p), mode, rdev);
  }

  /** open(2) in one request: the reply's attributes and whether it created the file. */
  public OpenReply open(String p, int flags, int mode) throws HearthException {
    return send(MetaRequest.newBuilder()
            .setOpen(OpenReq.newBuilder().setLoc(loc(p)).setFlags(flags).setMode(mode)))
        .getOpen();
  }

  /** creat(2): a regular file. */
  public Attr create(String p, int perm) throws HearthException {
    return mknod(p, FileMode.S_IFREG | perm, 0);
  }

  public void unlink(String p) throws HearthException {
    send(MetaRequest.newBuilder().setUnlink(UnlinkReq.newBuilder().setLoc(loc(p))));
  }

  public void rmdir(Loc l) throws HearthException {
    send(MetaRequest.newBuilder().setRmdir(RmdirReq.newBuilder().setLoc(l)));
  }

  public void rmdir(String p) throws HearthException {
    rmdir(loc(p));
  }

  public void rename(String from, String to, int flags) throws HearthException {
    send(
        MetaRequest.newBuilder()
            .setRename(RenameReq.newBuilder().setFrom(loc(from)).setTo(loc(to)).setFlags(flags)));
  }

  public void rename(String from, String to) throws HearthException {
    rename(from, to, 0);
  }

  public Attr link(String target, String link) throws HearthException {
    return send(MetaRequest.newBuilder()
            .setLink(LinkReq.newBuilder().setTarget(loc(target)).setLink(loc(link))))
        .getAttr();
  }

  public Attr symlink(byte[] target, String p) throws HearthException {
    return send(MetaRequest.newBuilder()
            .setSymlink(
                SymlinkReq.newBuilder().setLoc(loc(p)).setTarget(ByteString.copyFrom(target))))
        .getAttr();
  }

  public Attr symlink(String target, String p) throws HearthException {
    return symlink(target.getBytes(StandardCharsets.UTF_8), p);
  }

  public String readlink(Loc l) throws HearthException {
    return send(MetaRequest.newBuilder().setReadlink(ReadlinkReq.newBuilder().setLoc(l)))
        .getData()
        .toStringUtf8();
  }

  public String readlink(String p) throws HearthException {
    return readlink(loc(p));
  }

  public void access(String p, int mask) throws HearthException {
    send(MetaRequest.newBuilder().setAccess(AccessReq.newBuilder().setLoc(loc(p)).setMask(mask)));
  }

  public Attr setattr(SetattrReq.Builder s) throws HearthException {
    return send(MetaRequest.newBuilder().setSetattr(s)).getAttr();
  }

  public Attr chmod(String p, int mode) throws HearthException {
    return setattr(SetattrReq.newBuilder().setLoc(loc(p)).setFollow(true).setMode(mode));
  }

  /** chown(2); -1 leaves that id as it is. */
  public Attr chown(String p, int uid, int gid) throws HearthException {
    SetattrReq.Builder s = SetattrReq.newBuilder().setLoc(loc(p)).setFollow(true);
    if (uid != -1) {
      s.setUid(uid);
    }
    if (gid != -1) {
      s.setGid(gid);
    }
    return setattr(s);
  }

  public Attr truncate(String p, long size) throws HearthException {
    return setattr(SetattrReq.newBuilder().setLoc(loc(p)).setFollow(true).setSize(size));
  }

  public Attr utimens(String p, TimeChange atime, TimeChange mtime) throws HearthException {
    return setattr(
        SetattrReq.newBuilder().setLoc(loc(p)).setFollow(true).setAtime(atime).setMtime(mtime));
  }

  public static TimeChange time(TimeHow how, long ns) {
    return TimeChange.newBuilder().setHow(how).setNs(ns).build();
  }

  public void setxattr(String p, String name, byte[] value, int flags) throws HearthException {
    send(
        MetaRequest.newBuilder()
            .setSetxattr(
                SetxattrReq.newBuilder()
                    .setLoc(loc(p))
                    .setName(ByteString.copyFromUtf8(name))
                    .setValue(ByteString.copyFrom(value))
                    .setFlags(flags)));
  }

  public byte[] getxattr(Loc l, String name) throws HearthException {
    return send(MetaRequest.newBuilder()
            .setGetxattr(GetxattrReq.newBuilder().setLoc(l).setName(ByteString.copyFromUtf8(name))))
        .getData()
        .toByteArray();
  }

  public byte[] getxattr(String p, String name) throws HearthException {
    return getxattr(loc(p), name);
  }

  public List<String> listxattr(Loc l) throws HearthException {
    return send(MetaRequest.newBuilder().setListxattr(ListxattrReq.newBuilder().setLoc(l)))
        .getXattrNames()
        .getNamesList()
        .stream()
        .map(ByteString::toStringUtf8)
        .toList();
  }

  public void removexattr(String p, String name) throws HearthException {
    send(
        MetaRequest.newBuilder()
            .setRemovexattr(
                RemovexattrReq.newBuilder().setLoc(loc(p)).setName(ByteString.copyFromUtf8(name))));
  }

  public ReaddirReply readdir(Loc l, long cookie, int max, boolean plus) throws HearthException {
    return send(MetaRequest.newBuilder()
            .setReaddir(
                ReaddirReq.newBuilder()
                    .setLoc(l)
                    .setCookie(cookie)
                    .setMaxEntries(max)
                    .setPlus(plus)))
        .getReaddir();
  }

  /** Every entry of a directory, read in pages of {@code pageMax}. */
  public List<DirEntry> list(Loc l, int pageMax) throws HearthException {
    List<DirEntry> out = new ArrayList<>();
    long cookie = 0;
    while (true) {
      ReaddirReply page = readdir(l, cookie, pageMax, false);
      out.addAll(page.getEntriesList());
      if (page.getEof()) {
        return out;
      }
      cookie = page.getEntries(page.getEntriesCount() - 1).getCookie();
    }
  }

  public List<String> names(String p) throws HearthException {
    return list(loc(p), 0).stream().map(e -> e.getName().toStringUtf8()).sorted().toList();
  }

  /** An extent of block {@code group:id}, committed at {@code committedNs}. */
  public static Extent extent(
      long fileOff, int len, int group, long id, int blockOff, long committedNs) {
    return Extent.newBuilder()
        .setFileOff(fileOff)
        .setLen(len)
        .setBlock(BlockRef.newBuilder().setGroup(group).setId(id).setCommittedNs(committedNs))
        .setBlockOff(blockOff)
        .build();
  }

  public static BlockRef block(int group, long id) {
    return BlockRef.newBuilder().setGroup(group).setId(id).build();
  }

  public Attr write(Loc l, List<Extent> extents) throws HearthException {
    return send(MetaRequest.newBuilder()
            .setWrite(WriteReq.newBuilder().setLoc(l).addAllExtents(extents)))
        .getAttr();
  }

  public Attr write(String p, Extent... extents) throws HearthException {
    return write(loc(p), List.of(extents));
  }

  public ReadMapReply readMap(Loc l, long off, long len, int max) throws HearthException {
    return send(MetaRequest.newBuilder()
            .setReadMap(
                ReadMapReq.newBuilder().setLoc(l).setOff(off).setLen(len).setMaxExtents(max)))
        .getReadMap();
  }

  public ReadMapReply readMap(String p, long off, long len) throws HearthException {
    return readMap(loc(p), off, len, 0);
  }

  /** Every extent of [off, off + len), read in pages of {@code pageMax}. */
  public List<Extent> extents(Loc l, long off, long len, int pageMax) throws HearthException {
    List<Extent> out = new ArrayList<>();
    long end = off + len;
    while (off < end) {
      ReadMapReply page = readMap(l, off, end - off, pageMax);
      out.addAll(page.getExtentsList());
      if (!page.getMore()) {
        return out;
      }
      Extent last = page.getExtents(page.getExtentsCount() - 1);
      off = last.getFileOff() + last.getLen();
    }
    return out;
  }

  public List<BlockRef> gcList(int max) throws HearthException {
    return send(MetaRequest.newBuilder().setGcList(GcListReq.newBuilder().setMax(max)))
        .getBlocks()
        .getBlocksList();
  }

  public void gcDone(List<BlockRef> blocks) throws HearthException {
    send(MetaRequest.newBuilder().setGcDone(GcDoneReq.newBuilder().addAllBlocks(blocks)));
  }

  public List<BlockRef> unreferenced(List<BlockRef> blocks) throws HearthException {
    return send(MetaRequest.newBuilder()
            .setUnreferenced(UnreferencedReq.newBuilder().addAllBlocks(blocks)))
        .getBlocks()
        .getBlocksList();
  }

  public LayoutReply layout() throws HearthException {
    return send(MetaRequest.newBuilder().setLayout(LayoutReq.getDefaultInstance())).getLayout();
  }

  public StatfsReply statfs() throws HearthException {
    return send(MetaRequest.newBuilder().setStatfs(StatfsReq.getDefaultInstance())).getStatfs();
  }
}
