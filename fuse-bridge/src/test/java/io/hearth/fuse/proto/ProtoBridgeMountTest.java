package io.hearth.fuse.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.fuse.Sh;
import io.hearth.fuse.kernel.Caller;
import io.hearth.fuse.kernel.Created;
import io.hearth.fuse.kernel.Errnos;
import io.hearth.fuse.kernel.FuseAbi;
import io.hearth.fuse.kernel.FuseError;
import io.hearth.fuse.kernel.Opened;
import io.hearth.fuse.kernel.Session;
import io.hearth.fuse.kernel.SessionOptions;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both bridge prototypes on a real mount (root, /dev/fuse): what the choice between them turns on
 * works through the kernel, not only in the codec: names as bytes, invalidations pushed before any
 * timeout (inval_inode, inval_entry, delete), a signal interrupting a waiting request, and the end
 * of the bridge when the mount is taken away from outside.
 */
class ProtoBridgeMountTest {
  static final Duration SH = Duration.ofSeconds(30);
  static final long HOUR_NS = TimeUnit.HOURS.toNanos(1);

  static final Caller ELSEWHERE =
      new Caller() {
        @Override
        public int uid() {
          return 0;
        }

        @Override
        public int gid() {
          return 0;
        }

        @Override
        public int pid() {
          return 1;
        }

        @Override
        public boolean interrupted() {
          return false;
        }
      };

  /** What the tests need of either prototype. */
  interface Bridge extends AutoCloseable {
    int invalInode(long ino, long offset, long length);

    int invalEntry(long parent, byte[] name);

    int delete(long parent, long child, byte[] name);

    boolean awaitStopped(Duration d) throws InterruptedException;

    @Override
    void close();
  }

  static Bridge mount(String impl, MemFs fs, Path dir) throws Exception {
    if (impl.equals("a")) {
      LowLevelMount m = LowLevelMount.mount(fs, dir, List.of(), 4, false);
      return new Bridge() {
        public int invalInode(long ino, long off, long len) {
          return m.invalInode(ino, off, len);
        }

        public int invalEntry(long parent, byte[] name) {
          return m.invalEntry(parent, name);
        }

        public int delete(long parent, long child, byte[] name) {
          return m.delete(parent, child, name);
        }

        public boolean awaitStopped(Duration d) throws InterruptedException {
          return m.awaitStopped(d.toMillis(), TimeUnit.MILLISECONDS);
        }

        public void close() {
          m.close();
        }
      };
    }
    Session s = Session.mount(fs, dir, SessionOptions.defaults("memfs"));
    return new Bridge() {
      public int invalInode(long ino, long off, long len) {
        return s.notifier().invalInode(ino, off, len);
      }

      public int invalEntry(long parent, byte[] name) {
        return s.notifier().invalEntry(parent, name, false);
      }

      public int delete(long parent, long child, byte[] name) {
        return s.notifier().delete(parent, child, name);
      }

      public boolean awaitStopped(Duration d) throws InterruptedException {
        return s.awaitStopped(d);
      }

      public void close() {
        s.close();
      }
    };
  }

  @TempDir Path tmp;
  Bridge bridge;

  @AfterEach
  void unmount() {
    if (bridge != null) {
      bridge.close();
    }
  }

  private Path mnt() throws Exception {
    return Files.createDirectories(tmp.resolve("mnt"));
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "b"})
  void namesAreBytes(String impl) throws Exception {
    bridge = mount(impl, MemFs.withSystemClock(), mnt());
    String out =
        Sh.run(
                mnt(),
                SH,
                "touch $'\\xff' $'\\xfe' && echo one > $'\\xff' && ls | wc -l && wc -c < $'\\xfe'"
                    + " && cat $'\\xff'")
            .ok("names")
            .output();
    assertEquals("2\n0\none\n", out);
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "b"})
  void pushedInvalidationsAreSeenBeforeTheTimeout(String impl) throws Exception {
    MemFs fs = new MemFs(() -> System.currentTimeMillis() * 1_000_000L, HOUR_NS);
    bridge = mount(impl, fs, mnt());
    Path m = mnt();
    Sh.run(m, SH, "echo hello > f && echo x > h && stat -c %s f").ok("create");
    long f = fs.nodeOf(FuseAbi.ROOT_ID, b("f"));
    long h = fs.nodeOf(FuseAbi.ROOT_ID, b("h"));

    fs.truncateElsewhere(f, 2);
    assertEquals("6\n", Sh.run(m, SH, "stat -c %s f").ok("stat").output(), "cached for an hour");
    assertEquals(0, bridge.invalInode(f, 0, 0));
    assertEquals("2\n", Sh.run(m, SH, "stat -c %s f").ok("stat").output());

    fs.rename(ELSEWHERE, FuseAbi.ROOT_ID, b("f"), FuseAbi.ROOT_ID, b("g"), 0);
    assertEquals(0, Sh.run(m, SH, "stat f >/dev/null").exit(), "the old name is still cached");
    assertEquals(0, bridge.invalEntry(FuseAbi.ROOT_ID, b("f")));
    assertEquals(1, Sh.run(m, SH, "stat f >/dev/null 2>&1").exit());
    assertEquals("2\n", Sh.run(m, SH, "stat -c %s g").ok("new name").output());

    fs.unlink(ELSEWHERE, FuseAbi.ROOT_ID, b("h"));
    assertEquals(0, Sh.run(m, SH, "stat h >/dev/null").exit());
    assertEquals(0, bridge.delete(FuseAbi.ROOT_ID, h, b("h")));
    assertEquals(1, Sh.run(m, SH, "stat h >/dev/null 2>&1").exit());
  }

  /** A file whose reads wait until the caller is interrupted, read without the page cache. */
  static final class WaitingReads extends MemFs {
    volatile long slow;
    final AtomicBoolean sawInterrupt = new AtomicBoolean();

    WaitingReads() {
      super(() -> System.currentTimeMillis() * 1_000_000L);
    }

    @Override
    public synchronized Created create(
        Caller c, long parent, byte[] name, int flags, int mode, int umask) throws FuseError {
      Created cr = super.create(c, parent, name, flags, mode, umask);
      if (new String(name, StandardCharsets.UTF_8).equals("slow")) {
        slow = cr.entry().nodeId();
      }
      return cr;
    }

    @Override
    public synchronized Opened open(Caller c, long nodeId, int flags) throws FuseError {
      Opened o = super.open(c, nodeId, flags);
      return nodeId == slow ? new Opened(o.fh(), FuseAbi.FOPEN_DIRECT_IO) : o;
    }

    @Override
    public int read(Caller c, long nodeId, long fh, long offset, MemorySegment dst)
        throws FuseError {
      if (nodeId != slow) {
        return super.read(c, nodeId, fh, offset, dst);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (!c.interrupted() && System.nanoTime() < deadline) {
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      sawInterrupt.set(c.interrupted());
      throw new FuseError(Errnos.EINTR);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "b"})
  void aSignalInterruptsAWaitingRead(String impl) throws Exception {
    WaitingReads fs = new WaitingReads();
    bridge = mount(impl, fs, mnt());
    Sh.run(mnt(), SH, "touch slow").ok("create");
    long t0 = System.nanoTime();
    String out = Sh.run(mnt(), SH, "timeout -s TERM 1 cat slow; echo rc=$?").output();
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertEquals("rc=124\n", out);
    assertTrue(fs.sawInterrupt.get(), "the file system saw FUSE_INTERRUPT");
    assertTrue(ms < 10_000, "cat ended " + ms + " ms after it started, not at the 15 s bound");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "b"})
  void anUnmountFromOutsideEndsTheBridge(String impl) throws Exception {
    bridge = mount(impl, MemFs.withSystemClock(), mnt());
    Sh.run(tmp, SH, "fusermount3 -u " + mnt()).ok("fusermount3 -u");
    assertTrue(bridge.awaitStopped(Duration.ofSeconds(10)));
  }
}
