package io.hearth.fuse;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the inode-based bridge does that the path-based one could not, on real mounts: names as
 * bytes, open files whose names go, hard links, POSIX record locks and flock between processes, and
 * invalidations pushed into the kernel before any timeout. Each case is one python process ({@link
 * #SCRIPT}) so that the timings it reports are the mount's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InodeBridgeTest {
  private static final Duration T = Duration.ofSeconds(120);

  @TempDir static Path tmp;
  private MountedCluster fs;
  private Path a;
  private Path b;
  private Path script;

  @BeforeAll
  void mount() throws Exception {
    fs = new MountedCluster();
    a = fs.mount(tmp.resolve("a")).mountpoint();
    // B trusts what it cached for 30 s: only a pushed invalidation shows it a change sooner
    b = fs.mount(tmp.resolve("b"), "attr_timeout=30,entry_timeout=30").mountpoint();
    script = tmp.resolve("inode_bridge.py");
    Files.writeString(script, SCRIPT);
  }

  @AfterAll
  void unmount() throws Exception {
    if (fs != null) {
      fs.close();
    }
  }

  private void py(String testCase) throws Exception {
    Files.createDirectory(a.resolve(testCase));
    String out =
        Sh.run(
                tmp,
                T,
                "/usr/bin/python3 %s %s %s %s"
                    .formatted(script, testCase, a.resolve(testCase), b.resolve(testCase)))
            .ok(testCase)
            .output();
    System.out.print(out);
    assertTrue(out.endsWith(testCase + " ok\n"), out);
  }

  @Test
  void namesThatAreNotUtf8StayDistinct() throws Exception {
    py("bytes");
  }

  @Test
  void aFileUnlinkedWhileOpenIsUsableUntilItsLastClose() throws Exception {
    py("unlinked");
  }

  @Test
  void hardLinksAcrossDirectoriesSurviveTheUnlinkOfEitherName() throws Exception {
    py("links");
  }

  @Test
  void recordLocksBetweenProcesses() throws Exception {
    py("fcntl");
  }

  @Test
  void flockBetweenProcesses() throws Exception {
    py("flock");
  }

  @Test
  void aChangeOnAnotherMountIsPushedIntoTheKernelBeforeItsTimeout() throws Exception {
    py("pushed");
  }

  /** argv: case, its directory through mount A, the same through mount B (30 s caches). */
  static final String SCRIPT =
      """
      import errno, fcntl, os, signal, stat, struct, sys, time

      case, A, B = sys.argv[1], os.fsencode(sys.argv[2]), os.fsencode(sys.argv[3])

      def j(d, n):
          return os.path.join(d, n)

      def write(path, data):
          fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
          os.write(fd, data)
          os.close(fd)

      def read(path):
          with open(path, "rb") as f:
              return f.read()

      def child(fn):
          # runs fn in a forked process; returns its pid (the parent reaps it with reap)
          pid = os.fork()
          if pid == 0:
              try:
                  fn()
                  os._exit(0)
              except BaseException as e:
                  print("child:", repr(e), flush=True)
                  os._exit(1)
          return pid

      def reap(pid):
          _, status = os.waitpid(pid, 0)
          assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"child failed: {status}"

      if case == "bytes":
          ff, fe, utf = b"\\xff", b"\\xfe", "é".encode()
          write(j(A, ff), b"ff")
          write(j(A, fe), b"fe")
          write(j(A, utf), b"utf8")
          assert read(j(A, ff)) == b"ff" and read(j(A, fe)) == b"fe", "two files, not one"
          names = sorted(os.listdir(A))
          assert names == sorted([ff, fe, utf]), names
          assert sorted(os.listdir(B)) == names, "the other mount lists the same bytes"
          os.unlink(j(A, ff))
          assert sorted(os.listdir(A)) == sorted([fe, utf])
          assert read(j(B, fe)) == b"fe"
          print("names kept as bytes:", names)

      elif case == "unlinked":
          p = j(A, b"scratch")
          fd = os.open(p, os.O_RDWR | os.O_CREAT, 0o600)
          os.write(fd, b"before unlink;")
          os.unlink(p)
          assert not os.path.exists(p)
          assert os.fstat(fd).st_nlink == 0
          os.write(fd, b" after unlink")
          os.fsync(fd)
          os.lseek(fd, 0, 0)
          assert os.read(fd, 100) == b"before unlink; after unlink"
          fd2 = os.open(f"/proc/self/fd/{fd}", os.O_RDONLY)  # another open of the orphan
          os.close(fd)
          assert os.read(fd2, 100) == b"before unlink; after unlink", "still there for fd2"
          os.close(fd2)
          assert os.listdir(A) == []
          os.rmdir(A)
          os.mkdir(A)
          print("unlinked file used through its descriptors, gone after the last close")

      elif case == "links":
          d1, d2 = j(A, b"d1"), j(A, b"d2")
          os.mkdir(d1)
          os.mkdir(d2)
          write(j(d1, b"f"), b"one")
          os.link(j(d1, b"f"), j(d2, b"g"))
          assert os.stat(j(d2, b"g")).st_nlink == 2
          fd = os.open(j(d1, b"f"), os.O_RDWR)
          os.unlink(j(d1, b"f"))
          os.pwrite(fd, b"two", 0)
          os.fsync(fd)
          assert read(j(d2, b"g")) == b"two", "the other name sees the write"
          assert os.stat(j(d2, b"g")).st_nlink == 1
          os.unlink(j(d2, b"g"))
          assert os.pread(fd, 10, 0) == b"two", "open after both names went"
          os.close(fd)
          assert os.listdir(d1) == [] and os.listdir(d2) == []
          print("hard links across directories, either name unlinked while open")

      elif case == "fcntl":
          p = j(A, b"db")
          write(p, b"x" * 100)
          fd = os.open(p, os.O_RDWR)
          fcntl.lockf(fd, fcntl.LOCK_EX, 10, 0)  # bytes 0..9, write lock
          def try_conflict():
              c = os.open(p, os.O_RDWR)
              try:
                  fcntl.lockf(c, fcntl.LOCK_EX | fcntl.LOCK_NB, 5, 5)
                  raise AssertionError("granted over another's write lock")
              except OSError as e:
                  assert e.errno in (errno.EAGAIN, errno.EACCES), e
              fcntl.lockf(c, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 10)  # no overlap: granted
              # F_GETLK names the holder's pid
              req = struct.pack("hhqqi", fcntl.F_WRLCK, 0, 0, 5, 0)
              got = struct.unpack("hhqqi", fcntl.fcntl(c, fcntl.F_GETLK, req))
              assert got[0] == fcntl.F_WRLCK and got[4] == os.getppid(), got
          reap(child(try_conflict))
          fcntl.lockf(fd, fcntl.LOCK_SH, 10, 0)  # downgrade to a read lock
          def shared():
              c = os.open(p, os.O_RDONLY)
              fcntl.lockf(c, fcntl.LOCK_SH | fcntl.LOCK_NB, 10, 0)  # read locks share
          reap(child(shared))
          fcntl.lockf(fd, fcntl.LOCK_EX, 10, 0)  # upgrade again
          # a waiter blocks in F_SETLKW and is granted when the holder closes ANY descriptor
          def waiter():
              c = os.open(p, os.O_RDWR)
              t0 = time.monotonic()
              fcntl.lockf(c, fcntl.LOCK_EX, 10, 0)
              waited = time.monotonic() - t0
              assert waited > 0.3, f"granted after {waited:.3f} s, before the release"
              print(f"waiter granted after {waited:.3f} s", flush=True)
          w = child(waiter)
          time.sleep(0.6)
          other = os.open(p, os.O_RDONLY)
          os.close(other)  # POSIX: closing any descriptor of the file drops the owner's locks
          reap(w)
          # a blocked F_SETLKW ends with EINTR on a signal
          fcntl.lockf(fd, fcntl.LOCK_EX, 10, 0)
          class Alarm(Exception):
              pass
          def interrupted():
              def ring(*a):
                  raise Alarm()  # a handler that returns would make python retry the call
              signal.signal(signal.SIGALRM, ring)
              c = os.open(p, os.O_RDWR)
              signal.setitimer(signal.ITIMER_REAL, 0.5)
              t0 = time.monotonic()
              try:
                  fcntl.lockf(c, fcntl.LOCK_EX, 10, 0)
                  raise AssertionError("granted while held")
              except Alarm:
                  pass
              took = time.monotonic() - t0
              assert took < 5, f"the wait ended {took:.3f} s after the signal"
              print(f"a blocked F_SETLKW ended by a signal after {took:.3f} s", flush=True)
          reap(child(interrupted))
          os.close(fd)
          print("record locks: conflicts, shared reads, upgrade, release on close, EINTR")

      elif case == "flock":
          p = j(A, b"f")
          write(p, b"")
          fd = os.open(p, os.O_RDONLY)
          fcntl.flock(fd, fcntl.LOCK_EX)
          print("flock: exclusive taken", flush=True)
          def conflict():
              c = os.open(p, os.O_RDONLY)
              try:
                  fcntl.flock(c, fcntl.LOCK_SH | fcntl.LOCK_NB)
                  raise AssertionError("shared granted over exclusive")
              except BlockingIOError:
                  pass
          reap(child(conflict))
          print("flock: conflict refused", flush=True)
          fcntl.flock(fd, fcntl.LOCK_SH)  # convert
          print("flock: converted to shared", flush=True)
          def share():
              c = os.open(p, os.O_RDONLY)
              fcntl.flock(c, fcntl.LOCK_SH | fcntl.LOCK_NB)
          reap(child(share))
          print("flock: shared with another", flush=True)
          def waiter():
              os.close(fd)  # the inherited descriptor shares the parent's file and its flock
              c = os.open(p, os.O_RDONLY)
              t0 = time.monotonic()
              fcntl.flock(c, fcntl.LOCK_EX)
              print(f"flock: waiter granted after {time.monotonic() - t0:.3f} s", flush=True)
              assert time.monotonic() - t0 > 0.3
          w = child(waiter)
          time.sleep(0.6)
          os.close(fd)  # the last close of the open file description releases its flock
          reap(w)
          print("flock: conflicts, conversion, release at the last close")

      elif case == "pushed":
          a, b = j(A, b"data.csv"), j(B, b"data.csv")
          write(a, b"id,score\\n")
          assert read(b) == b"id,score\\n"
          os.stat(b)  # B's kernel caches the size, for 30 s
          with open(a, "ab") as f:
              f.write(b"1,0.9\\n2,0.8\\n")
          t0 = time.monotonic()
          got = read(b)  # the open on B learns of the change and drops B's cached size
          took = time.monotonic() - t0
          assert got == b"id,score\\n1,0.9\\n2,0.8\\n", f"B read {got!r} with its 30 s cache"
          assert os.stat(b).st_size == len(got)
          print(f"change on A read whole on B after {took:.3f} s (attribute timeout 30 s)")

      else:
          raise SystemExit("unknown case " + case)
      print(case, "ok")
      """;
}
