package io.hearth.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real programs on a real mount (one cluster, one mount for the class): git, tar, cp -a, rsync,
 * python, sqlite3, sed -i, hard links and symlinks. Each test works in its own directory of the
 * mount, and compares what the programs see with the same work done on local disk.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProgramsTest {
  private static final Duration T = Duration.ofSeconds(60);

  /** Files in the tar tree: small files cost ~20-50 ms each on the mount (a majority commit). */
  static final int TAR_FILES = 1500;

  /** Whole seconds: GNU tar's default format keeps no more. */
  private static final long TREE_MTIME_S = 1_600_000_000L;

  @TempDir static Path tmp;
  private MountedCluster fs;
  private Path mnt;

  @BeforeAll
  void mount() throws Exception {
    fs = new MountedCluster();
    mnt = fs.mount(tmp.resolve("mnt")).mountpoint();
  }

  @AfterAll
  void unmount() throws Exception {
    if (fs != null) {
      fs.close();
    }
  }

  /** A fresh directory of the mount for one test. */
  private Path dir(String name) throws IOException {
    return Files.createDirectory(mnt.resolve(name));
  }

  private Path local(String name) throws IOException {
    return Files.createDirectories(tmp.resolve("local").resolve(name));
  }

  // ---- git ----

  @Test
  void gitInitAddCommitLogStatus() throws Exception {
    Path d = dir("git");
    Path clone = local("git-clone");
    String out =
        Sh.run(
                d,
                T,
                """
                set -e
                g() { git -c user.name=Tester -c user.email=tester@example.com \
                  -c init.defaultBranch=main "$@"; }
                g init -q repo
                cd repo
                printf 'one\\n' > a.txt
                mkdir -p src/deep
                printf 'int main(void) { return 0; }\\n' > src/main.c
                head -c 100000 /dev/zero | tr '\\0' 'x' > src/deep/big.txt
                printf '*.o\\n' > .gitignore
                g add -A
                g commit -q -m first
                printf 'two\\n' >> a.txt
                printf 'new\\n' > b.txt
                printf 'ignored\\n' > junk.o
                g add -A
                g commit -q -m second
                echo "--log"; g log --format=%s
                echo "--count"; g rev-list --count HEAD
                echo "--files"; g ls-files
                echo "--show"; g show HEAD:a.txt
                echo "--stat"; g diff --stat HEAD~1 HEAD | tail -1
                echo "--clean"; g status --porcelain
                g clone -q . "$CLONE/c"
                diff -r --exclude=.git --exclude=junk.o . "$CLONE/c"
                printf 'three\\n' >> a.txt
                printf 'untracked\\n' > c.txt
                g rm -q --cached b.txt
                echo "--dirty"; g status --porcelain
                g fsck --strict --no-progress
                echo "--end"
                """
                    .replace("$CLONE", clone.toString()))
            .ok("git")
            .output();
    assertEquals(
        """
        --log
        second
        first
        --count
        2
        --files
        .gitignore
        a.txt
        b.txt
        src/deep/big.txt
        src/main.c
        --show
        one
        two
        --stat
         2 files changed, 2 insertions(+)
        --clean
        --dirty
         M a.txt
        D  b.txt
        ?? b.txt
        ?? c.txt
        --end
        """,
        out);
  }

  // ---- tar ----

  /**
   * A program deep in a tree passes the kernel short paths, but the mount sees them from its root:
   * past PATH_MAX there (pjdfstest's long-path tests, NN/03.t), everything still works.
   */
  @Test
  void aTreeDeeperThanPathMaxFromTheMountRootWorks() throws Exception {
    Path d = dir("deep");
    String out =
        Sh.run(
                d,
                T,
                """
                set -e
                name=$(printf 'd%.0s' $(seq 1 200))
                for i in $(seq 1 25); do mkdir "$name"; cd "$name"; done
                printf %s "$PWD" | wc -c
                echo deep > file; cat file
                ln file hard; ln -s file soft; mv soft soft2; cat soft2
                chmod 600 file; stat -c '%a %h' file
                rm file hard soft2
                for i in $(seq 1 25); do cd ..; rmdir "$name"; done
                ls -A
                """)
            .ok("a tree 5 KiB deep")
            .output();
    String[] lines = out.split("\n");
    assertTrue(Integer.parseInt(lines[0].trim()) > 5000, "deeper than PATH_MAX: " + lines[0]);
    assertEquals(List.of("deep", "deep", "600 2"), List.of(lines[1], lines[2], lines[3]));
    assertEquals(4, lines.length, "everything removed again:\n" + out);
  }

  @Test
  void tarExtractThenCreateGivesTheSameArchive() throws Exception {
    Path src = local("tar-src");
    makeTree(src.resolve("tree"), TAR_FILES, 42);
    Path work = local("tar-work");
    Sh.run(work, T, "tar --sort=name -cf src.tar -C " + src + " tree").ok("tar c local");
    Path d = dir("tar");
    long start = System.nanoTime();
    Sh.run(d, Duration.ofSeconds(150), "tar -xf " + work.resolve("src.tar"))
        .ok("tar x on the mount");
    long extractMs = (System.nanoTime() - start) / 1_000_000;
    System.out.printf(
        "tar x of %d files onto the mount: %d ms (%.0f files/s)%n",
        TAR_FILES, extractMs, TAR_FILES * 1000.0 / extractMs);
    Sh.run(work, T, "tar --sort=name -cf back.tar -C " + d + " tree").ok("tar c from the mount");
    Sh.run(work, T, "diff -r --no-dereference " + src.resolve("tree") + " " + d.resolve("tree"))
        .ok("diff -r");
    String srcList = Sh.run(work, T, "tar -tvf src.tar").ok("tar t").output();
    String backList = Sh.run(work, T, "tar -tvf back.tar").ok("tar t").output();
    assertEquals(srcList, backList, "names, modes, owners, sizes, times, links");
    assertEquals(
        listing(src.resolve("tree")), listing(d.resolve("tree")), "find listing, mtimes in ns");
    Sh.run(work, T, "cmp src.tar back.tar").ok("the archives are byte for byte the same");
  }

  /**
   * A tree of {@code files} files of 0..64 KiB (most small), in nested directories, with varied
   * modes and owners, some symlinks (relative, absolute, dangling, to a directory), hard links,
   * empty directories and awkward names; every mtime a fixed time in the past.
   */
  static void makeTree(Path root, int files, long seed) throws Exception {
    Random r = new Random(seed);
    List<Path> dirs = new ArrayList<>();
    dirs.add(Files.createDirectories(root));
    for (int i = 0; i < Math.max(4, files / 40); i++) {
      Path parent = dirs.get(r.nextInt(dirs.size()));
      dirs.add(Files.createDirectories(parent.resolve("d" + i)));
    }
    String[] modes = {"rw-r--r--", "rw-r--r--", "rw-r--r--", "rw-------", "rwxr-xr-x", "rw-r-----"};
    List<Path> made = new ArrayList<>();
    for (int i = 0; i < files; i++) {
      Path f = dirs.get(r.nextInt(dirs.size())).resolve("f" + i + (i % 7 == 0 ? ".txt" : ""));
      int size =
          switch (r.nextInt(10)) {
            case 0 -> 0;
            case 1, 2, 3, 4 -> r.nextInt(1024);
            case 5, 6, 7 -> r.nextInt(8192);
            default -> r.nextInt(64 * 1024 + 1);
          };
      byte[] b = new byte[size];
      if (i % 3 == 0) {
        for (int k = 0; k < size; k++) {
          b[k] = (byte) ('a' + (k * 31 + i) % 26); // text
        }
      } else {
        r.nextBytes(b);
      }
      Files.write(f, b);
      Files.setPosixFilePermissions(
          f, PosixFilePermissions.fromString(modes[r.nextInt(modes.length)]));
      made.add(f);
    }
    Path top = dirs.get(0);
    Files.writeString(top.resolve("name with spaces and ünïcödé"), "odd name\n");
    Path deep = top;
    for (int i = 0; i < 12; i++) {
      deep = deep.resolve("deep-directory-level-" + i);
    }
    Files.createDirectories(deep);
    Files.writeString(deep.resolve("a-long-file-name-" + "x".repeat(150)), "deep\n");
    Files.createDirectories(top.resolve("empty"));
    Files.createDirectories(top.resolve("empty-too/inner-empty"));
    Files.createLink(top.resolve("hard-a"), made.get(1));
    Files.createLink(dirs.get(dirs.size() - 1).resolve("hard-b"), made.get(2));
    Files.createSymbolicLink(top.resolve("rel-link"), top.relativize(made.get(3)));
    Files.createSymbolicLink(top.resolve("abs-link"), made.get(4).toAbsolutePath());
    Files.createSymbolicLink(top.resolve("dangling-link"), Path.of("no/such/file"));
    Files.createSymbolicLink(
        top.resolve("dir-link"), Path.of(dirs.get(1).getFileName().toString()));
    Sh.run(
            top,
            T,
            "chown 1000:1000 %s && chown 1001:1002 %s && chmod 700 %s && chmod 2750 %s"
                .formatted(made.get(5), made.get(6), dirs.get(2), dirs.get(3)))
        .ok("chown, chmod");
    // Times last, deepest first: making an entry changes its directory's mtime.
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.setAttribute(
            p,
            "basic:lastModifiedTime",
            FileTime.from(TREE_MTIME_S + p.toString().length(), TimeUnit.SECONDS),
            LinkOption.NOFOLLOW_LINKS);
      }
    }
  }

  /**
   * Everything cp -a, rsync -a and tar keep, one line per entry: type, mode, owner, size (not of
   * directories: Hearth reports 0), link count, mtime in ns, symlink target.
   */
  private static String listing(Path root) throws Exception {
    return Sh.run(
            root,
            T,
            "find . -printf '%p %y %m %u:%g %n %T@ %l' -a \\( -type d -printf '\\n' -o -printf ' %s\\n' \\)"
                + " | LC_ALL=C sort")
        .ok("find")
        .output();
  }

  // ---- cp -a and rsync -a ----

  @Test
  void cpArchiveRoundTrip() throws Exception {
    Path src = local("cp-src");
    makeTree(src.resolve("tree"), 150, 7);
    setSubSecondTimes(src.resolve("tree"));
    Path d = dir("cp");
    Sh.run(d, T, "cp -a " + src.resolve("tree") + " .").ok("cp -a onto the mount");
    Path back = local("cp-back");
    Sh.run(back, T, "cp -a " + d.resolve("tree") + " .").ok("cp -a from the mount");
    Sh.run(back, T, "diff -r --no-dereference " + src.resolve("tree") + " tree").ok("diff -r");
    String expected = listing(src.resolve("tree"));
    assertEquals(expected, listing(d.resolve("tree")), "on the mount");
    assertEquals(expected, listing(back.resolve("tree")), "back on local disk");
  }

  @Test
  void rsyncArchiveRoundTrip() throws Exception {
    Path src = local("rsync-src");
    makeTree(src.resolve("tree"), 150, 8);
    setSubSecondTimes(src.resolve("tree"));
    Path d = dir("rsync");
    Sh.run(d, T, "rsync -aH " + src.resolve("tree") + "/ tree/").ok("rsync onto the mount");
    Path back = local("rsync-back");
    Sh.run(back, T, "rsync -aH " + d.resolve("tree") + "/ tree/").ok("rsync from the mount");
    Sh.run(back, T, "diff -r --no-dereference " + src.resolve("tree") + " tree").ok("diff -r");
    String expected = listing(src.resolve("tree"));
    assertEquals(expected, listing(d.resolve("tree")), "on the mount");
    assertEquals(expected, listing(back.resolve("tree")), "back on local disk");
    // A second run finds nothing to do: sizes and mtimes on the mount match the source.
    String again =
        Sh.run(d, T, "rsync -aHi " + src.resolve("tree") + "/ tree/").ok("rsync again").output();
    assertEquals("", again, "rsync found differences on the mount");
  }

  /** cp -a and rsync keep nanoseconds: give some entries a sub-second mtime. */
  private static void setSubSecondTimes(Path root) throws Exception {
    Sh.run(
            root,
            T,
            "find . -name 'f*[02468]' -exec touch -h -d '2021-05-06 07:08:09.123456789' {} + &&"
                + " touch -d '2019-01-01 00:00:00.5' .")
        .ok("touch");
  }

  // ---- python ----

  @Test
  void pythonTextBinarySeekAppend() throws Exception {
    Path d = dir("python");
    Path script = tmp.resolve("files.py");
    Files.writeString(
        script,
        """
        import os, random, sys
        os.chdir(sys.argv[1])
        with open("text.txt", "w", encoding="utf-8") as f:
            f.write("héllo\\nwörld\\n")
        with open("text.txt", encoding="utf-8") as f:
            assert f.read() == "héllo\\nwörld\\n"
        assert os.path.getsize("text.txt") == 14
        data = random.Random(1).randbytes(3 * 1024 * 1024 + 17)
        with open("bin", "wb") as f:
            f.write(data)
        with open("bin", "rb") as f:
            assert f.read() == data, "binary read back"
        expect = bytearray(data)
        with open("bin", "r+b") as f:
            f.seek(1_000_000); f.write(b"MIDDLE")
            f.seek(1_000_000); assert f.read(6) == b"MIDDLE", "read own write before close"
            f.seek(0, os.SEEK_END); assert f.tell() == len(data)
            f.seek(len(data) + 4096); f.write(b"past the end")
            f.flush()
            assert os.fstat(f.fileno()).st_size == len(data) + 4096 + 12
        expect[1_000_000:1_000_006] = b"MIDDLE"
        expect += b"\\0" * 4096 + b"past the end"
        with open("bin", "ab") as f:
            f.write(b"appended")
        expect += b"appended"
        with open("bin", "rb") as f:
            assert f.read() == bytes(expect), "after seek, hole and append"
        fd = os.open("bin", os.O_RDWR)
        os.pwrite(fd, b"xy", 5)
        assert os.pread(fd, 4, 4) == bytes(expect[4:5]) + b"xy" + bytes(expect[7:8])
        os.ftruncate(fd, 10)
        assert os.fstat(fd).st_size == 10
        os.close(fd)
        assert open("bin", "rb").read() == bytes(expect[:5]) + b"xy" + bytes(expect[7:10])
        with open("log", "a") as f:
            for i in range(100):
                f.write(f"line {i}\\n")
                f.flush()
        with open("log") as f:
            assert f.read().splitlines() == [f"line {i}" for i in range(100)]
        print("python ok")
        """);
    assertEquals(
        "python ok\n", Sh.run(d, T, "/usr/bin/python3 " + script + " .").ok("python").output());
  }

  // ---- sqlite ----

  @Test
  void sqliteTransactionCountsAndIntegrity() throws Exception {
    Path d = dir("sqlite");
    StringBuilder sql =
        new StringBuilder("CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER, s TEXT);\nBEGIN;\n");
    for (int i = 1; i <= 1000; i++) {
      sql.append("INSERT INTO t(v, s) VALUES(")
          .append(i)
          .append(", 'row ")
          .append(i)
          .append("');\n");
    }
    sql.append("COMMIT;\n");
    Files.writeString(tmp.resolve("rows.sql"), sql);
    Sh.run(d, T, "sqlite3 test.db < " + tmp.resolve("rows.sql")).ok("sqlite insert");
    String out =
        Sh.run(
                d,
                T,
                "sqlite3 test.db 'SELECT count(*), sum(v) FROM t; PRAGMA integrity_check;'"
                    + " && test ! -e test.db-journal && echo no-journal-left")
            .ok("sqlite read")
            .output();
    assertEquals("1000|500500\nok\nno-journal-left\n", out);
    // WAL mode shares memory through a mmap'd -shm file.
    String wal =
        Sh.run(
                d,
                T,
                """
                sqlite3 wal.db 'PRAGMA journal_mode=WAL; CREATE TABLE w(v);
                  BEGIN; INSERT INTO w VALUES(1); INSERT INTO w VALUES(2); COMMIT;' &&
                sqlite3 wal.db 'SELECT sum(v) FROM w; PRAGMA integrity_check;'
                """)
            .ok("sqlite wal")
            .output();
    assertEquals("wal\n3\nok\n", wal);
  }

  // ---- sed -i ----

  @Test
  void sedInPlaceReplacesTheFile() throws Exception {
    Path d = dir("sed");
    String out =
        Sh.run(
                d,
                T,
                """
                set -e
                printf 'alpha\\nbeta\\ngamma\\n' > f
                chmod 640 f
                before=$(stat -c %i f)
                sed -i 's/beta/BETA/' f
                after=$(stat -c %i f)
                cat f
                stat -c %a f
                [ "$before" != "$after" ] && echo inode-changed
                ls -A
                """)
            .ok("sed")
            .output();
    assertEquals("alpha\nBETA\ngamma\n640\ninode-changed\nf\n", out);
  }

  // ---- links ----

  @Test
  void hardLinksShareTheInode() throws Exception {
    Path d = dir("hard");
    String out =
        Sh.run(
                d,
                T,
                """
                set -e
                printf 'one\\n' > f
                stat -c '%i %h %s' f > /dev/null  # the kernel now caches f's attributes
                ln f h
                [ "$(stat -c %i f)" = "$(stat -c %i h)" ] && echo same-inode
                stat -c '%n %h' f h
                printf 'two\\n' >> h
                stat -c '%n %s' f h
                cat f
                rm h
                stat -c '%n %h' f
                """)
            .ok("hard links")
            .output();
    assertEquals("same-inode\nf 2\nh 2\nf 8\nh 8\none\ntwo\nf 1\n", out);
  }

  @Test
  void symlinksRelativeAndAbsolute() throws Exception {
    Path d = dir("sym");
    String out =
        Sh.run(
                d,
                T,
                """
                set -e
                mkdir -p sub/inner
                printf 'target\\n' > sub/inner/t
                ln -s sub/inner/t rel
                ln -s ../sub/inner/t sub/up
                ln -s "$PWD/sub/inner/t" abs
                ln -s sub/inner dirlink
                ln -s nowhere dangling
                cat rel sub/up abs dirlink/t
                readlink rel sub/up abs | sed "s|$PWD|PWD|"
                readlink -f sub/up | sed "s|$PWD|PWD|"
                stat -c '%F %s' rel
                ls dirlink
                cat dangling 2>&1 || true
                [ -L dangling ] && [ ! -e dangling ] && echo dangling-ok
                """)
            .ok("symlinks")
            .output();
    assertEquals(
        """
        target
        target
        target
        target
        sub/inner/t
        ../sub/inner/t
        PWD/sub/inner/t
        PWD/sub/inner/t
        symbolic link 11
        t
        cat: dangling: No such file or directory
        dangling-ok
        """,
        out);
  }
}
