package io.hearth.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * Two mounts of one cluster, each its own bridge process (two "nodes"), and the consistency the
 * mount promises between them: close-to-open for contents (a file closed on one reads whole on the
 * other right after open, even where that kernel cached the file's old size), and names and
 * attributes seen within the kernel's 1 s entry, attribute and negative timeouts.
 *
 * <p>The timing-sensitive steps run inside one python process ({@link #SCRIPT}) that does the
 * change on one mount and then looks on the other, so the delays it reports are the mounts', not
 * process start-up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoMountsTest {
  private static final Duration T = Duration.ofSeconds(60);

  /** How long a name or attribute change may take to show on the other mount, with slack. */
  static final double SEEN_WITHIN_S = 3.0;

  @TempDir static Path tmp;
  private MountedCluster fs;
  private Path a;
  private Path b;
  private Path script;

  @BeforeAll
  void mount() throws Exception {
    fs = new MountedCluster();
    a = fs.mount(tmp.resolve("a")).mountpoint();
    b = fs.mount(tmp.resolve("b")).mountpoint();
    script = tmp.resolve("two_mounts.py");
    Files.writeString(script, SCRIPT.replace("SEEN_WITHIN_S", Double.toString(SEEN_WITHIN_S)));
  }

  @AfterAll
  void unmount() throws Exception {
    if (fs != null) {
      fs.close();
    }
  }

  /**
   * Runs one case of {@link #SCRIPT} on a fresh directory, seen as {@code a/name} and {@code
   * b/name}.
   */
  private String py(String testCase, String dirName) throws Exception {
    Files.createDirectory(a.resolve(dirName));
    String out =
        Sh.run(
                tmp,
                T,
                "/usr/bin/python3 %s %s %s %s"
                    .formatted(script, testCase, a.resolve(dirName), b.resolve(dirName)))
            .ok(testCase)
            .output();
    System.out.print(out);
    assertTrue(out.endsWith(testCase + " ok\n"), out);
    return out;
  }

  @Test
  void bigAndSmallFilesWrittenOnAReadWholeOnB() throws Exception {
    Files.createDirectory(a.resolve("files"));
    String written =
        Sh.run(
                a.resolve("files"),
                T,
                """
                set -e
                head -c 5242880 /dev/urandom > big
                for i in $(seq 1 40); do head -c $((i * 997)) /dev/urandom > small$i; done
                : > empty
                sha256sum big empty small* | sort
                """)
            .ok("write on A")
            .output();
    String read =
        Sh.run(b.resolve("files"), T, "sha256sum big empty small* | sort").ok("read on B").output();
    assertEquals(42, read.lines().count());
    assertEquals(written, read, "B reads byte for byte what A wrote and closed");
    assertEquals("5242880\n", Sh.run(b.resolve("files"), T, "stat -c %s big").ok("size").output());
  }

  @Test
  void overwriteInPlaceSeenWholeAfterOpen() throws Exception {
    py("overwrite", "overwrite");
  }

  @Test
  void appendSeenWholeAfterOpen() throws Exception {
    py("append", "append");
  }

  /**
   * A training log or a Slurm job's output, appended on one node with an fsync or a close after
   * each line, followed on the other by a reader that holds it open (fstat, stat and read on its
   * descriptor) and by {@code tail -f}: each line shows there within the attribute timeout.
   */
  @Test
  void aFileAppendedOnAIsSeenGrowingOnBWhileBHoldsItOpen() throws Exception {
    py("tail", "tail");
  }

  @Test
  void renameAndUnlinkSeenWithinTheBound() throws Exception {
    py("rename", "rename");
  }

  @Test
  void mkdirAndRmdirSeenWithinTheBound() throws Exception {
    py("dirs", "dirs");
  }

  @Test
  void chmodAndChownSeenWithinTheBound() throws Exception {
    py("attrs", "attrs");
  }

  /**
   * argv: case, the directory through mount A, the same directory through mount B. Prints what it
   * observed and "CASE ok"; an assertion failure exits non-zero with its message.
   */
  static final String SCRIPT =
      """
      import os, stat, subprocess, sys, threading, time, random

      case, A, B = sys.argv[1], sys.argv[2], sys.argv[3]
      rnd = random.Random(case)
      SEEN_WITHIN = SEEN_WITHIN_S

      def write(path, data, flags=os.O_WRONLY | os.O_CREAT | os.O_TRUNC):
          fd = os.open(path, flags, 0o644)
          try:
              os.write(fd, data)
          finally:
              os.close(fd)

      def read(path):
          # open, read to the end, fstat: what close-to-open promises, on one descriptor
          fd = os.open(path, os.O_RDONLY)
          try:
              chunks = []
              while True:
                  c = os.read(fd, 1 << 20)
                  if not c:
                      break
                  chunks.append(c)
              return b"".join(chunks), os.fstat(fd).st_size
          finally:
              os.close(fd)

      def prime(path):
          # B reads and stats the file: its kernel now caches the old size and attributes
          data, _ = read(path)
          os.stat(path)
          return time.monotonic()

      def check_read(path, expect, what, primed):
          data, size = read(path)
          since = time.monotonic() - primed
          assert size == len(expect), f"{what}: fstat size {size}, expected {len(expect)}"
          assert data == expect, f"{what}: read {len(data)} bytes, not the {len(expect)} written"
          print(f"{what}: B read {len(expect)} bytes whole, {since:.3f} s after B cached the file")

      def until(what, predicate):
          # polls on B; returns the delay until predicate() held, fails past SEEN_WITHIN
          start = time.monotonic()
          while True:
              try:
                  if predicate():
                      break
              except FileNotFoundError:
                  pass
              if time.monotonic() - start > SEEN_WITHIN:
                  raise AssertionError(f"{what}: not seen on the other mount within {SEEN_WITHIN} s")
              time.sleep(0.005)
          delay = time.monotonic() - start
          print(f"{what}: seen after {delay:.3f} s")
          return delay

      def exists(p):
          try:
              os.lstat(p)
              return True
          except FileNotFoundError:
              return False

      if case == "overwrite":
          a, b = os.path.join(A, "f"), os.path.join(B, "f")
          write(a, rnd.randbytes(100_000))
          ino = os.stat(a).st_ino
          # truncate and rewrite larger, smaller, the same size; then pwrite in the middle
          for what, size in (("grow", 300_000), ("shrink", 5_000), ("same size", 5_000)):
              primed = prime(b)
              new = rnd.randbytes(size)
              write(a, new)
              assert os.stat(a).st_ino == ino, "overwritten in place: same inode"
              check_read(b, new, what, primed)
          primed = prime(b)
          fd = os.open(a, os.O_RDWR)
          os.pwrite(fd, b"PATCH", 1000)
          os.close(fd)
          new = new[:1000] + b"PATCH" + new[1005:]
          check_read(b, new, "pwrite", primed)
          assert os.stat(b).st_ino == ino

      elif case == "append":
          a, b = os.path.join(A, "log"), os.path.join(B, "log")
          content = rnd.randbytes(10_000)
          write(a, content)
          for i, size in enumerate((1, 4096, 200_000, 1_500_000, 3)):
              primed = prime(b)
              more = rnd.randbytes(size)
              with open(a, "ab") as f:
                  f.write(more)
              content += more
              check_read(b, content, f"append {i + 1} ({size} bytes)", primed)

      elif case == "tail":
          a, b = os.path.join(A, "train.log"), os.path.join(B, "train.log")
          write(a, b"epoch 0\\n")
          expected = b"epoch 0\\n"
          fd_b = os.open(b, os.O_RDONLY)  # B holds the log open for the whole case
          seen = os.read(fd_b, 1 << 20)
          assert seen == expected, seen
          tail = subprocess.Popen(["tail", "-f", "-s", "0.1", "-n", "+1", b],
                                  stdout=subprocess.PIPE)
          shown = []
          reader = threading.Thread(
              target=lambda: [shown.append(l) for l in iter(tail.stdout.readline, b"")],
              daemon=True)
          reader.start()
          try:
              fd_a = os.open(a, os.O_WRONLY | os.O_APPEND)
              for i in range(1, 7):
                  line = f"epoch {i} loss {1 / i:.4f}\\n".encode()
                  os.write(fd_a, line)
                  if i % 2:
                      os.fsync(fd_a)
                  else:
                      os.close(fd_a)  # a close after the line, then the writer opens again
                      fd_a = os.open(a, os.O_WRONLY | os.O_APPEND)
                  expected += line
                  until(f"line {i}: fstat on B's open descriptor",
                        lambda: os.fstat(fd_b).st_size == len(expected))
                  until(f"line {i}: stat on B", lambda: os.stat(b).st_size == len(expected))
                  def read_on():
                      global seen
                      seen += os.read(fd_b, 1 << 20)
                      return seen == expected
                  until(f"line {i}: read on B's open descriptor", read_on)
                  until(f"line {i}: tail -f on B", lambda: b"".join(shown) == expected)
              os.close(fd_a)
          finally:
              tail.kill()
              tail.wait()
          os.close(fd_b)

      elif case == "rename":
          write(os.path.join(A, "old"), b"moved")
          write(os.path.join(A, "target"), b"old target")
          os.stat(os.path.join(B, "old"))
          assert not exists(os.path.join(B, "new"))  # B caches the negative entry
          os.rename(os.path.join(A, "old"), os.path.join(A, "new"))
          until("rename old -> new (A to B)",
                lambda: not exists(os.path.join(B, "old")) and exists(os.path.join(B, "new")))
          assert read(os.path.join(B, "new"))[0] == b"moved"
          # rename over an existing name, as editors and rsync do: B sees the new file there
          write(os.path.join(B, "tmp"), b"new target")
          assert read(os.path.join(A, "target"))[0] == b"old target"
          os.rename(os.path.join(B, "tmp"), os.path.join(B, "target"))
          until("rename over target (B to A)",
                lambda: read(os.path.join(A, "target"))[0] == b"new target"
                        and not exists(os.path.join(A, "tmp")))
          os.stat(os.path.join(B, "new"))
          os.unlink(os.path.join(A, "new"))
          until("unlink (A to B)", lambda: not exists(os.path.join(B, "new")))
          os.stat(os.path.join(A, "target"))
          os.unlink(os.path.join(B, "target"))
          until("unlink (B to A)", lambda: not exists(os.path.join(A, "target")))
          assert sorted(os.listdir(A)) == [] and sorted(os.listdir(B)) == []

      elif case == "dirs":
          assert not exists(os.path.join(B, "d"))  # B caches the negative entry
          os.mkdir(os.path.join(A, "d"))
          until("mkdir (A to B)", lambda: stat.S_ISDIR(os.lstat(os.path.join(B, "d")).st_mode))
          os.mkdir(os.path.join(B, "d", "sub"))
          until("mkdir sub (B to A)", lambda: exists(os.path.join(A, "d", "sub")))
          os.rmdir(os.path.join(A, "d", "sub"))
          until("rmdir sub (A to B)", lambda: not exists(os.path.join(B, "d", "sub")))
          os.stat(os.path.join(A, "d"))
          os.rmdir(os.path.join(B, "d"))
          until("rmdir (B to A)", lambda: not exists(os.path.join(A, "d")))

      elif case == "attrs":
          a, b = os.path.join(A, "f"), os.path.join(B, "f")
          write(a, b"x")
          os.chmod(a, 0o644)
          assert stat.S_IMODE(os.stat(b).st_mode) == 0o644  # B caches the attributes
          os.chmod(a, 0o600)
          until("chmod 600 (A to B)", lambda: stat.S_IMODE(os.stat(b).st_mode) == 0o600)
          os.chmod(b, 0o4751)
          until("chmod 4751 (B to A)", lambda: stat.S_IMODE(os.stat(a).st_mode) == 0o4751)
          assert os.stat(b).st_uid == 0
          os.chown(a, 1000, 1002)
          until("chown 1000:1002 (A to B)",
                lambda: (os.stat(b).st_uid, os.stat(b).st_gid) == (1000, 1002))
          os.utime(a, ns=(1_500_000_000_000_000_000, 1_600_000_000_123_456_789))
          until("utimens (A to B)", lambda: os.stat(b).st_mtime_ns == 1_600_000_000_123_456_789)

      else:
          raise SystemExit("unknown case " + case)
      print(case, "ok")
      """;
}
