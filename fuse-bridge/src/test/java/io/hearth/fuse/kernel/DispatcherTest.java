package io.hearth.fuse.kernel;

import static io.hearth.fuse.kernel.Frames.args;
import static io.hearth.fuse.kernel.Frames.request;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.fuse.kernel.Frames.Written;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Requests laid out as the kernel lays them out, served by the dispatcher over a recording file
 * system: each opcode's arguments reach the file system from fuse.h's offsets, and each reply has
 * fuse.h's shape (header length, error, unique, payload fields).
 */
class DispatcherTest {
  static final Attr ATTR =
      new Attr(
          42,
          5000,
          10,
          1_700_000_000_123_456_789L,
          1_700_000_001_000_000_001L,
          3_000_000_007L,
          0100644,
          2,
          1000,
          100,
          0,
          4096);
  static final Entry ENTRY = new Entry(42, 7, ATTR, 1_500_000_000L, 250_000_000L);

  /** Records the calls it gets and answers with fixed values. */
  static class Recording implements InodeFileSystem {
    final List<String> calls = new ArrayList<>();
    byte[] lastName;
    byte[] lastName2;
    byte[] written;
    SetAttr lastSet;
    Caller lastCaller;
    RuntimeException fail;

    private void call(String s) {
      calls.add(s);
      if (fail != null) {
        throw fail;
      }
    }

    @Override
    public Entry lookup(Caller c, long parent, byte[] name) throws FuseError {
      call("lookup " + parent);
      lastCaller = c;
      lastName = name;
      if (name.length == 1 && name[0] == 'x') {
        throw new FuseError(Errnos.ENOENT);
      }
      return ENTRY;
    }

    @Override
    public void forget(long nodeId, long nlookup) {
      call("forget " + nodeId + " " + nlookup);
    }

    @Override
    public AttrReply getattr(Caller c, long nodeId, long fh) {
      call("getattr " + nodeId + " fh " + fh);
      return new AttrReply(ATTR, 2_000_000_003L);
    }

    @Override
    public AttrReply setattr(Caller c, long nodeId, SetAttr set) {
      call("setattr " + nodeId);
      lastSet = set;
      return new AttrReply(ATTR, 0);
    }

    @Override
    public Entry mkdir(Caller c, long parent, byte[] name, int mode, int umask) {
      call(
          "mkdir "
              + parent
              + " "
              + Integer.toOctalString(mode)
              + " "
              + Integer.toOctalString(umask));
      lastName = name;
      return ENTRY;
    }

    @Override
    public void unlink(Caller c, long parent, byte[] name) {
      call("unlink " + parent);
      lastName = name;
    }

    @Override
    public void rmdir(Caller c, long parent, byte[] name) {
      call("rmdir " + parent);
      lastName = name;
    }

    @Override
    public void rename(Caller c, long parent, byte[] name, long newParent, byte[] newName, int f) {
      call("rename " + parent + " " + newParent + " " + f);
      lastName = name;
      lastName2 = newName;
    }

    @Override
    public Opened open(Caller c, long nodeId, int flags) {
      call("open " + nodeId + " " + Integer.toOctalString(flags));
      return new Opened(99, FuseAbi.FOPEN_KEEP_CACHE);
    }

    @Override
    public Created create(Caller c, long parent, byte[] name, int flags, int mode, int umask) {
      call(
          "create "
              + parent
              + " "
              + Integer.toOctalString(flags)
              + " "
              + Integer.toOctalString(mode)
              + " "
              + Integer.toOctalString(umask));
      lastName = name;
      return new Created(ENTRY, new Opened(123, FuseAbi.FOPEN_DIRECT_IO));
    }

    @Override
    public int read(Caller c, long nodeId, long fh, long offset, MemorySegment dst) {
      call("read " + nodeId + " fh " + fh + " at " + offset + " size " + dst.byteSize());
      int n = (int) Math.min(dst.byteSize(), 5);
      for (int i = 0; i < n; i++) {
        dst.set(ValueLayout.JAVA_BYTE, i, (byte) ('a' + i));
      }
      return n;
    }

    @Override
    public int write(Caller c, long nodeId, long fh, long offset, MemorySegment src, int wf) {
      call("write " + nodeId + " fh " + fh + " at " + offset + " flags " + wf);
      written = src.toArray(ValueLayout.JAVA_BYTE);
      return written.length;
    }

    @Override
    public void flush(Caller c, long nodeId, long fh, long lockOwner) {
      call("flush " + nodeId + " fh " + fh + " owner " + lockOwner);
    }

    @Override
    public void release(long nodeId, long fh, int flags, long lockOwner, int releaseFlags) {
      call("release " + nodeId + " fh " + fh + " rf " + releaseFlags);
    }

    @Override
    public void fsync(Caller c, long nodeId, long fh, boolean datasync) {
      call("fsync " + nodeId + " " + datasync);
    }

    @Override
    public Opened opendir(Caller c, long nodeId, int flags) {
      call("opendir " + nodeId);
      return new Opened(5, 0);
    }

    @Override
    public void readdir(Caller c, long nodeId, long fh, long offset, DirSink sink) {
      call("readdir " + nodeId + " at " + offset + " plus " + sink.plus());
      byte[][] names = {{'.'}, {'a', 'b', 'c'}, "eight888".getBytes()};
      for (int i = (int) offset; i < names.length; i++) {
        boolean ok =
            sink.plus()
                ? sink.addPlus(names[i], i == 0 ? new Entry(0, 0, ATTR, 0, 0) : ENTRY, i + 1)
                : sink.add(names[i], 40 + i, 0040000, i + 1);
        if (!ok) {
          return;
        }
      }
    }

    @Override
    public void releasedir(long nodeId, long fh) {
      call("releasedir " + nodeId);
    }

    @Override
    public StatFs statfs(Caller c, long nodeId) {
      call("statfs");
      return new StatFs(100, 50, 40, 1000, 900, 4096, 255, 512);
    }

    @Override
    public void setlk(
        Caller c, long nodeId, long fh, long owner, FileLock lock, boolean sleep, boolean flock)
        throws FuseError {
      call("setlk " + nodeId + " " + owner + " " + lock + " sleep " + sleep + " flock " + flock);
    }
  }

  final Recording fs = new Recording();
  final Frames.Direct d = new Frames.Direct(fs);

  @Test
  void lookupPassesTheNameAsBytesAndAnswersAnEntryOut() {
    byte[] name = {'a', (byte) 0xff, (byte) 0xfe}; // no UTF-8 decoder accepts it
    Written w = d.serve(request(FuseAbi.LOOKUP, 11, 1, args().name(name)));
    assertEquals(List.of("lookup 1"), fs.calls);
    assertArrayEquals(name, fs.lastName);
    assertEquals(1000, fs.lastCaller.uid());
    assertEquals(100, fs.lastCaller.gid());
    assertEquals(4242, fs.lastCaller.pid());
    assertEquals(16 + 128, w.len());
    assertEquals(0, w.error());
    assertEquals(11, w.unique());
    assertEquals(42, w.u64(0)); // nodeid
    assertEquals(7, w.u64(8)); // generation
    assertEquals(1, w.u64(16)); // entry_valid
    assertEquals(0, w.u64(24)); // attr_valid
    assertEquals(500_000_000, w.u32(32)); // entry_valid_nsec
    assertEquals(250_000_000, w.u32(36)); // attr_valid_nsec
    assertAttr(w, 40);
  }

  static void assertAttr(Written w, int at) {
    assertEquals(42, w.u64(at));
    assertEquals(5000, w.u64(at + 8));
    assertEquals(10, w.u64(at + 16));
    assertEquals(1_700_000_000L, w.u64(at + 24));
    assertEquals(1_700_000_001L, w.u64(at + 32));
    assertEquals(3, w.u64(at + 40));
    assertEquals(123_456_789, w.u32(at + 48));
    assertEquals(1, w.u32(at + 52));
    assertEquals(7, w.u32(at + 56));
    assertEquals(0100644, w.u32(at + 60));
    assertEquals(2, w.u32(at + 64));
    assertEquals(1000, w.u32(at + 68));
    assertEquals(100, w.u32(at + 72));
    assertEquals(0, w.u32(at + 76));
    assertEquals(4096, w.u32(at + 80));
  }

  @Test
  void anErrnoIsAHeaderAlone() {
    Written w = d.serve(request(FuseAbi.LOOKUP, 12, 1, args().name("x")));
    assertEquals(16, w.len());
    assertEquals(-Errnos.ENOENT, w.error());
    assertEquals(12, w.unique());
  }

  @Test
  void anUnexpectedFailureIsEio() {
    fs.fail = new IllegalStateException("boom");
    Written w = d.serve(request(FuseAbi.GETATTR, 13, 5, args().u32(0).u32(0).u64(0)));
    assertEquals(-Errnos.EIO, w.error());
  }

  @Test
  void malformedRequestsAreEinval() {
    byte[] noNul = request(FuseAbi.LOOKUP, 14, 1, 1, 1, 1, new byte[] {'a', 'b'});
    assertEquals(-Errnos.EINVAL, d.serve(noNul).error());
    byte[] shortWrite =
        request(FuseAbi.WRITE, 15, 5, args().u64(1).u64(0).u32(100).u32(0).u64(0).u64(0));
    assertEquals(-Errnos.EINVAL, d.serve(shortWrite).error());
    assertTrue(fs.calls.isEmpty());
  }

  @Test
  void getattrByHandle() {
    Written w =
        d.serve(request(FuseAbi.GETATTR, 16, 5, args().u32(FuseAbi.GETATTR_FH).u32(0).u64(77)));
    assertEquals(List.of("getattr 5 fh 77"), fs.calls);
    assertEquals(16 + 104, w.len());
    assertEquals(2, w.u64(0));
    assertEquals(3, w.u32(8));
    assertAttr(w, 16);
    d.serve(request(FuseAbi.GETATTR, 17, 5, args().u32(0).u32(0).u64(77)));
    assertEquals("getattr 5 fh -1", fs.calls.get(1));
  }

  @Test
  void setattrFieldsComeFromTheirOffsets() {
    int valid = FuseAbi.FATTR_SIZE | FuseAbi.FATTR_MTIME | FuseAbi.FATTR_FH | FuseAbi.FATTR_MODE;
    Frames.Args a =
        args()
            .u32(valid)
            .u32(0)
            .u64(88) // fh
            .u64(1234) // size
            .u64(5) // lock_owner
            .u64(10) // atime
            .u64(20) // mtime
            .u64(30) // ctime
            .u32(1) // atimensec
            .u32(2)
            .u32(3)
            .u32(0100600) // mode
            .u32(0)
            .u32(501) // uid
            .u32(502) // gid
            .u32(0);
    Written w = d.serve(request(FuseAbi.SETATTR, 18, 5, a));
    assertEquals(0, w.error());
    SetAttr s = fs.lastSet;
    assertEquals(valid, s.valid());
    assertEquals(88, s.fh());
    assertEquals(1234, s.size());
    assertEquals(5, s.lockOwner());
    assertEquals(10_000_000_001L, s.atimeNs());
    assertEquals(20_000_000_002L, s.mtimeNs());
    assertEquals(30_000_000_003L, s.ctimeNs());
    assertEquals(0100600, s.mode());
    assertEquals(501, s.uid());
    assertEquals(502, s.gid());
  }

  @Test
  void createAnswersEntryAndOpenInOneReply() {
    Written w =
        d.serve(
            request(
                FuseAbi.CREATE, 19, 1, args().u32(0101).u32(0100644).u32(022).u32(0).name("new")));
    assertEquals(List.of("create 1 101 100644 22"), fs.calls);
    assertArrayEquals("new".getBytes(), fs.lastName);
    assertEquals(16 + 128 + 16, w.len());
    assertEquals(42, w.u64(0));
    assertEquals(123, w.u64(128)); // fh
    assertEquals(FuseAbi.FOPEN_DIRECT_IO, w.u32(136));
  }

  @Test
  void mkdirUnlinkRmdir() {
    assertEquals(
        0, d.serve(request(FuseAbi.MKDIR, 20, 1, args().u32(0755).u32(022).name("d"))).error());
    assertEquals(0, d.serve(request(FuseAbi.UNLINK, 21, 1, args().name("f"))).error());
    assertEquals(0, d.serve(request(FuseAbi.RMDIR, 22, 1, args().name("d"))).error());
    assertEquals(List.of("mkdir 1 755 22", "unlink 1", "rmdir 1"), fs.calls);
  }

  @Test
  void renameAndRename2CarryBothNames() {
    d.serve(request(FuseAbi.RENAME, 23, 3, args().u64(4).name("old").name("new")));
    assertEquals("rename 3 4 0", fs.calls.get(0));
    assertArrayEquals("old".getBytes(), fs.lastName);
    assertArrayEquals("new".getBytes(), fs.lastName2);
    d.serve(request(FuseAbi.RENAME2, 24, 3, args().u64(5).u32(1).u32(0).name("a").name("bb")));
    assertEquals("rename 3 5 1", fs.calls.get(1));
    assertArrayEquals("a".getBytes(), fs.lastName);
    assertArrayEquals("bb".getBytes(), fs.lastName2);
  }

  @Test
  void openReadWriteFlushReleaseFsync() {
    Written o = d.serve(request(FuseAbi.OPEN, 25, 5, args().u32(02).u32(0)));
    assertEquals(99, o.u64(0));
    assertEquals(FuseAbi.FOPEN_KEEP_CACHE, o.u32(8));
    Written r =
        d.serve(request(FuseAbi.READ, 26, 5, args().u64(99).u64(4096).u32(8).u32(0).u64(0).u64(0)));
    assertEquals(16 + 5, r.len());
    assertArrayEquals("abcde".getBytes(), r.bytes(0, 5));
    byte[] data = "hello, world".getBytes();
    Written wr =
        d.serve(
            request(
                FuseAbi.WRITE,
                27,
                5,
                args()
                    .u64(99)
                    .u64(10)
                    .u32(data.length)
                    .u32(FuseAbi.WRITE_CACHE)
                    .u64(0)
                    .u64(0)
                    .bytes(data)));
    assertArrayEquals(data, fs.written);
    assertEquals(16 + 8, wr.len());
    assertEquals(data.length, wr.u32(0));
    d.serve(request(FuseAbi.FLUSH, 28, 5, args().u64(99).u32(0).u32(0).u64(31)));
    d.serve(
        request(FuseAbi.RELEASE, 29, 5, args().u64(99).u32(02).u32(FuseAbi.RELEASE_FLUSH).u64(31)));
    d.serve(request(FuseAbi.FSYNC, 30, 5, args().u64(99).u32(FuseAbi.FSYNC_FDATASYNC).u32(0)));
    assertEquals(
        List.of(
            "open 5 2",
            "read 5 fh 99 at 4096 size 8",
            "write 5 fh 99 at 10 flags 1",
            "flush 5 fh 99 owner 31",
            "release 5 fh 99 rf 1",
            "fsync 5 true"),
        fs.calls);
  }

  @Test
  void forgetsGetNoReply() {
    assertNull(d.serve(request(FuseAbi.FORGET, 31, 42, args().u64(3))));
    assertNull(
        d.serve(
            request(
                FuseAbi.BATCH_FORGET, 0, 0, args().u32(2).u32(0).u64(42).u64(1).u64(43).u64(9))));
    assertEquals(List.of("forget 42 3", "forget 42 1", "forget 43 9"), fs.calls);
  }

  @Test
  void readdirRecordsArePaddedToEightBytes() {
    Written w =
        d.serve(
            request(FuseAbi.READDIR, 32, 1, args().u64(5).u64(0).u32(4096).u32(0).u64(0).u64(0)));
    // "." 24+1 -> 32; "abc" 24+3 -> 32; "eight888" 24+8 -> 32
    assertEquals(16 + 96, w.len());
    assertEquals(40, w.u64(0)); // ino
    assertEquals(1, w.u64(8)); // off: where the next readdir resumes
    assertEquals(1, w.u32(16)); // namelen
    assertEquals(4, w.u32(20)); // DT_DIR
    assertEquals('.', w.bytes(24, 1)[0]);
    assertArrayEquals(new byte[7], w.bytes(25, 7)); // padding is zeroed
    assertEquals(41, w.u64(32));
    assertArrayEquals("abc".getBytes(), w.bytes(32 + 24, 3));
    assertArrayEquals("eight888".getBytes(), w.bytes(64 + 24, 8));
  }

  @Test
  void readdirStopsWhereTheKernelsBufferEnds() {
    Written w =
        d.serve(request(FuseAbi.READDIR, 33, 1, args().u64(5).u64(0).u32(70).u32(0).u64(0).u64(0)));
    assertEquals(16 + 64, w.len());
  }

  @Test
  void readdirplusRecordsHoldAnEntry() {
    Written w =
        d.serve(
            request(
                FuseAbi.READDIRPLUS, 34, 1, args().u64(5).u64(0).u32(4096).u32(0).u64(0).u64(0)));
    // "." 152+1 -> 160; "abc" 152+3 -> 160; "eight888" 152+8 -> 160
    assertEquals(16 + 480, w.len());
    assertEquals(0, w.u64(0)); // "." goes with node id 0: no lookup counted
    assertEquals(42, w.u64(128)); // dirent.ino from the attributes
    assertEquals(42, w.u64(160)); // second record: the entry's node id
    assertEquals(7, w.u64(168));
    assertAttr(w, 160 + 40);
    assertEquals(2, w.u64(160 + 128 + 8)); // dirent.off
    assertEquals(3, w.u32(160 + 128 + 16)); // namelen
    assertEquals(8, w.u32(160 + 128 + 20)); // DT_REG
    assertArrayEquals("abc".getBytes(), w.bytes(160 + 152, 3));
  }

  @Test
  void statfs() {
    Written w = d.serve(request(FuseAbi.STATFS, 35, 1, args()));
    assertEquals(16 + 80, w.len());
    assertEquals(100, w.u64(0));
    assertEquals(50, w.u64(8));
    assertEquals(40, w.u64(16));
    assertEquals(1000, w.u64(24));
    assertEquals(900, w.u64(32));
    assertEquals(4096, w.u32(40));
    assertEquals(255, w.u32(44));
    assertEquals(512, w.u32(48));
  }

  @Test
  void locksDecodeOwnerRangeAndFlock() {
    Frames.Args lk =
        args().u64(99).u64(0xabcL).u64(10).u64(Long.MAX_VALUE).u32(FileLock.F_WRLCK).u32(321);
    d.serve(request(FuseAbi.SETLKW, 36, 5, lk.u32(0).u32(0)));
    assertEquals(
        "setlk 5 2748 FileLock[start=10, end=9223372036854775807, type=1, pid=321] sleep true"
            + " flock false",
        fs.calls.get(0));
    Frames.Args fl = args().u64(99).u64(7).u64(0).u64(Long.MAX_VALUE).u32(FileLock.F_RDLCK).u32(1);
    d.serve(request(FuseAbi.SETLK, 37, 5, fl.u32(FuseAbi.LK_FLOCK).u32(0)));
    assertTrue(fs.calls.get(1).endsWith("sleep false flock true"));
  }

  @Test
  void ioctlIsEnottyAndTheRestEnosys() {
    assertEquals(-Errnos.ENOTTY, d.serve(request(FuseAbi.IOCTL, 38, 5, args().zeros(32))).error());
    assertEquals(-Errnos.ENOSYS, d.serve(request(FuseAbi.POLL, 39, 5, args().zeros(24))).error());
    assertEquals(-Errnos.ENOSYS, d.serve(request(999, 40, 5, args())).error());
    assertEquals(
        -Errnos.ENOSYS,
        d.serve(request(FuseAbi.GETXATTR, 41, 5, args().u32(0).u32(0).name("user.a"))).error());
  }

  @Test
  void interruptOfAServedRequestGetsNoReplyAndOfAnUnknownOneEagain() {
    assertNull(d.serve(request(FuseAbi.INTERRUPT, 43, 0, args().u64(77))));
    Written w = d.serve(request(FuseAbi.INTERRUPT, 45, 0, args().u64(78)));
    assertEquals(-Errnos.EAGAIN, w.error());
    assertEquals(45, w.unique());
    assertEquals(List.of(77L, 78L), List.copyOf(d.interrupted));
  }

  @Test
  void destroyIsAnsweredAndReported() {
    assertEquals(0, d.serve(request(FuseAbi.DESTROY, 46, 0, args())).error());
    assertTrue(d.destroyed);
  }
}
