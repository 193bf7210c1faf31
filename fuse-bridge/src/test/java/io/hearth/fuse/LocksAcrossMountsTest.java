package io.hearth.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Locks between mounts (two "nodes", each its own bridge process) of one cluster, with real
 * programs: sqlite written from both mounts at once loses no row and stays whole; a lock held
 * through a bridge killed with SIGKILL goes to the other mount within the session TTL + 2 s; a
 * bridge stopped (SIGSTOP) past its TTL loses its lock, and once it runs again its process's write
 * to the file fails with EIO instead of landing over the new holder's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocksAcrossMountsTest {
  private static final Duration T = Duration.ofSeconds(180);
  private static final int TTL_S = 3;
  private static final int ROWS_PER_WRITER = 60;

  @TempDir static Path tmp;
  private MountedCluster fs;
  private Path a;
  private Path b;

  @BeforeAll
  void mount() throws Exception {
    fs = new MountedCluster();
    a = fs.mount(tmp.resolve("a")).mountpoint();
    b = fs.mount(tmp.resolve("b")).mountpoint();
  }

  @AfterAll
  void unmount() throws Exception {
    if (fs != null) {
      fs.close();
    }
  }

  private static final String SQLITE_WRITER =
      """
      import sqlite3, sys
      db, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
      con = sqlite3.connect(db, timeout=120, isolation_level=None)
      for i in range(n):
          con.execute("BEGIN IMMEDIATE")
          con.execute("INSERT INTO t(who, i) VALUES (?, ?)", (who, i))
          con.execute("COMMIT")
      print(who, "wrote", n)
      """;

  /** Counts rows while the writers run: a reader must never see a committed row go away. */
  private static final String SQLITE_READER =
      """
      import sqlite3, sys, time
      db, total = sys.argv[1], int(sys.argv[2])
      con = sqlite3.connect(db, timeout=120, isolation_level=None)
      last, reads = 0, 0
      while last < total:
          n = con.execute("SELECT count(*) FROM t").fetchone()[0]
          if n < last:
              print("rows went from", last, "to", n); sys.exit(1)
          last, reads = n, reads + 1
          time.sleep(0.05)
      print("reader saw", last, "rows in", reads, "reads")
      """;

  @Test
  void sqliteWrittenFromTwoMountsAtOnceKeepsEveryRowAndStaysWhole() throws Exception {
    Path dir = Files.createDirectory(a.resolve("sqlite"));
    Path writer = tmp.resolve("writer.py");
    Path reader = tmp.resolve("reader.py");
    Files.writeString(writer, SQLITE_WRITER);
    Files.writeString(reader, SQLITE_READER);
    Sh.run(dir, T, "sqlite3 db 'CREATE TABLE t(who TEXT, i INT, UNIQUE(who, i))'").ok("create");
    String onB = b.resolve("sqlite/db").toString();
    String onA = a.resolve("sqlite/db").toString();
    int total = 2 * ROWS_PER_WRITER;
    String out =
        Sh.run(
                tmp,
                T,
                ("python3 %1$s %2$s a %3$d & A=$!; python3 %1$s %4$s b %3$d & B=$!;"
                        + " python3 %5$s %4$s %6$d & R=$!; wait $A && wait $B && wait $R")
                    .formatted(writer, onA, ROWS_PER_WRITER, onB, reader, total))
            .ok("two writers and a reader")
            .output();
    System.out.print(out);
    for (Path mount : List.of(a, b)) {
      String check =
          Sh.run(
                  mount.resolve("sqlite"),
                  T,
                  "sqlite3 db 'PRAGMA integrity_check' 'SELECT count(*), count(DISTINCT who || i)"
                      + " FROM t' 'SELECT who, min(i), max(i), count(*) FROM t GROUP BY who'")
              .ok("check")
              .output();
      System.out.print(mount + ":\n" + check);
      assertEquals(
          "ok\n%d|%d\na|0|%d|%d\nb|0|%d|%d\n"
              .formatted(
                  total,
                  total,
                  ROWS_PER_WRITER - 1,
                  ROWS_PER_WRITER,
                  ROWS_PER_WRITER - 1,
                  ROWS_PER_WRITER),
          check,
          "every committed row, once, read through " + mount);
    }
  }

  /** Takes an exclusive lock on argv[1], writes argv[2] at 0 and fsyncs, says so, then waits. */
  private static final String HOLDER =
      """
      import fcntl, os, sys, time
      path, mine, go = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
      fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
      fcntl.lockf(fd, fcntl.LOCK_EX)
      os.pwrite(fd, mine, 0); os.fsync(fd)
      print("locked", flush=True)
      while not os.path.exists(go):
          time.sleep(0.05)
      try:
          os.pwrite(fd, b"STALE!", 0); os.fsync(fd)
          print("stale write stored", flush=True)
      except OSError as e:
          print("stale write refused: errno", e.errno, flush=True)
      """;

  /** Waits for the exclusive lock on argv[1] (F_SETLKW), writes argv[2], prints the wait. */
  private static final String TAKER =
      """
      import fcntl, os, sys, time
      path, mine = sys.argv[1], sys.argv[2].encode()
      fd = os.open(path, os.O_RDWR)
      t0 = time.monotonic()
      fcntl.lockf(fd, fcntl.LOCK_EX)
      waited = time.monotonic() - t0
      os.pwrite(fd, mine, 0); os.fsync(fd)
      fcntl.lockf(fd, fcntl.LOCK_UN)
      print("waited %.2f s" % waited)
      """;

  private record Holder(Process process, BufferedReader out) {
    String line(Duration timeout) throws Exception {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        if (out.ready()) {
          return out.readLine();
        }
        if (!process.isAlive() && !out.ready()) {
          return null;
        }
        Thread.sleep(20);
      }
      throw new AssertionError("no line from the lock holder within " + timeout);
    }
  }

  private static Holder hold(Path script, Path file, String mine, Path go) throws IOException {
    Process p =
        new ProcessBuilder("python3", script.toString(), file.toString(), mine, go.toString())
            .redirectErrorStream(true)
            .start();
    return new Holder(
        p, new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
  }

  private static double waitedSeconds(String takerOutput) {
    String line =
        takerOutput.lines().filter(l -> l.startsWith("waited ")).findFirst().orElseThrow();
    return Double.parseDouble(line.split(" ")[1]);
  }

  @Test
  void aLockHeldThroughAKilledBridgeGoesToTheOtherMountWithinTheTtl() throws Exception {
    Path holderScript = Files.writeString(tmp.resolve("holder.py"), HOLDER);
    Path takerScript = Files.writeString(tmp.resolve("taker.py"), TAKER);
    BridgeProcess c = fs.mount(tmp.resolve("killed"), "session_ttl=" + TTL_S);
    Holder h = hold(holderScript, c.mountpoint().resolve("k"), "KILLED", tmp.resolve("never"));
    try {
      assertEquals("locked", h.line(Duration.ofSeconds(60)));
      ProcessHandle.of(c.pid()).orElseThrow().destroyForcibly(); // SIGKILL
      String out =
          Sh.run(tmp, T, "python3 %s %s TAKER".formatted(takerScript, a.resolve("k")))
              .ok("taker")
              .output();
      double waited = waitedSeconds(out);
      System.out.printf("lock handed over %.2f s after the holder's bridge died%n", waited);
      assertTrue(waited <= TTL_S + 2, "handed over after " + waited + " s, TTL " + TTL_S + " s");
      assertEquals("TAKER", Files.readString(a.resolve("k")).substring(0, 5));
    } finally {
      h.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      c.close();
    }
  }

  @Test
  void aBridgeStoppedPastItsTtlLosesItsLockAndItsStaleWriteIsRefused() throws Exception {
    Path holderScript = Files.writeString(tmp.resolve("holder2.py"), HOLDER);
    Path takerScript = Files.writeString(tmp.resolve("taker2.py"), TAKER);
    BridgeProcess c = fs.mount(tmp.resolve("stopped"), "session_ttl=" + TTL_S);
    Path go = tmp.resolve("go");
    Holder h = hold(holderScript, c.mountpoint().resolve("s"), "FIRST!", go);
    try {
      assertEquals("locked", h.line(Duration.ofSeconds(60)));
      Sh.run(tmp, T, "kill -STOP " + c.pid()).ok("SIGSTOP");
      String out;
      try {
        out =
            Sh.run(tmp, T, "python3 %s %s WINNER".formatted(takerScript, a.resolve("s")))
                .ok("taker")
                .output();
      } finally {
        Sh.run(tmp, T, "kill -CONT " + c.pid()).ok("SIGCONT");
      }
      System.out.printf(
          "lock taken %.2f s after the holder's bridge stopped%n", waitedSeconds(out));
      Thread.sleep(1_000); // the resumed bridge hears that its session ended
      Files.writeString(go, "");
      String verdict = h.line(Duration.ofSeconds(60));
      System.out.println("holder: " + verdict);
      assertEquals("stale write refused: errno 5", verdict, "EIO, as NFS gives for a lost lock");
      assertEquals("WINNER", Files.readString(a.resolve("s")), "the new holder's write stands");
      assertEquals("WINNER", Files.readString(b.resolve("s")), "on every mount");
    } finally {
      h.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      c.close();
    }
  }
}
