package io.hearth.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.cluster.ProcessCluster;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Programs on a mount ride through a SIGKILL of the meta group's leader: three server JVMs, one
 * bridge JVM, and real programs (bash, touch, stat, dd) whose only view is the kernel's.
 *
 * <ul>
 *   <li>A create+stat loop runs ~25 s; the leader is killed 8 s in and restarted once another
 *       leads. No operation may fail; the longest gap between two consecutive operations is the
 *       stall a user sees.
 *   <li>dd copies 1 GiB (a seeded stream, sha256 known) with conv=fsync; the leader is killed once
 *       20% is written and restarted. dd must exit 0, and the file read back through a new mount
 *       must have the source's sha256. dd's stall is the longest time its written-bytes counter
 *       (/proc/PID/io wchar, sampled every 100 ms) did not move.
 * </ul>
 *
 * The stalls are printed ("STALL ...") and written to target/failover-stall.txt; they are reported,
 * not asserted beyond "no error, bounded by the test's timeouts". On failure the node and bridge
 * log tails are printed and the node logs kept under target/cluster-logs/mountfail.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MountFailoverTest {
  static final long SOURCE_BYTES = 1L << 30;
  static final long SOURCE_SEED = 20240611L;
  static final int BLOCK = 1 << 20;
  static final Duration LOOP_RUN = Duration.ofSeconds(25);
  static final Duration KILL_AFTER = Duration.ofSeconds(8);
  static final Duration LEADER_TIMEOUT = Duration.ofSeconds(60);
  static final Duration DD_TIMEOUT = Duration.ofSeconds(180);
  static final long SAMPLE_MS = 100;
  static final Path FIGURES = Path.of("target", "failover-stall.txt");

  private ProcessCluster cluster;
  private BridgeProcess mount;
  private Path dir;
  private final Map<String, String> figures = new LinkedHashMap<>();

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory("hearth-mountfail-");
    cluster = new ProcessCluster("mountfail", 3);
    guarded(
        () -> {
          cluster.waitForLeader(LEADER_TIMEOUT);
          mount = BridgeProcess.mount(spec(cluster), dir.resolve("mnt"), "");
        });
  }

  @AfterAll
  void stop() throws IOException {
    try {
      if (mount != null) {
        mount.close();
      }
    } finally {
      cluster.close();
      deleteTree(dir);
    }
  }

  /** host:port,... of the nodes' client ports, as a user passes --cluster. */
  static String spec(ProcessCluster c) {
    return String.join(
        ",",
        Arrays.stream(c.peers().split(","))
            .map(p -> p.substring(p.indexOf('@') + 1, p.lastIndexOf(':')))
            .toList());
  }

  @Test
  @Order(1)
  @Timeout(150)
  void createStatLoopRidesThroughLeaderKill() throws Exception {
    guarded(
        () -> {
          Path work = Files.createDirectories(mount.mountpoint().resolve("loop"));
          Path log = dir.resolve("ops.log");
          String script =
              """
              export LC_ALL=C
              exec 3>%s
              end=$(( ${EPOCHREALTIME/./} + %d ))
              echo "start ${EPOCHREALTIME/./}" >&3
              i=0
              while [ "${EPOCHREALTIME/./}" -lt "$end" ]; do
                i=$((i+1))
                touch "f$i" || { echo "FAILED: touch f$i"; exit 1; }
                echo "touch ${EPOCHREALTIME/./}" >&3
                stat -c %%s "f$i" >/dev/null || { echo "FAILED: stat f$i"; exit 1; }
                echo "stat ${EPOCHREALTIME/./}" >&3
              done
              echo "files $i"
              """
                  .formatted(log, LOOP_RUN.toNanos() / 1000);
          long startMs = System.currentTimeMillis();
          CompletableFuture<Sh.Result> loop =
              CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      return Sh.run(work, LOOP_RUN.plus(Duration.ofSeconds(90)), script);
                    } catch (IOException | InterruptedException e) {
                      throw new IllegalStateException(e);
                    }
                  },
                  r -> Thread.ofPlatform().name("create-stat-loop").start(r));
          Thread.sleep(KILL_AFTER.toMillis());
          Failover f = killAndRestartLeader();
          Sh.Result r = loop.get(LOOP_RUN.toSeconds() + 120, TimeUnit.SECONDS);
          r.ok("create+stat loop (ops log " + log + ")");

          List<Long> t = new ArrayList<>();
          for (String line : Files.readAllLines(log)) {
            t.add(Long.parseLong(line.substring(line.indexOf(' ') + 1)) / 1000); // ms
          }
          long ops = t.size() - 1;
          long files = Long.parseLong(r.output().replaceAll("(?s).*files (\\d+).*", "$1"));
          assertEquals(2 * files, ops, "every touch and stat logged");
          assertTrue(
              t.getFirst() < f.killMs && t.getLast() > f.killMs + 1000,
              "the loop ran across the kill");
          assertTrue(
              t.stream().filter(x -> x > f.killMs).count() > 10, "the loop went on after the kill");
          String listed = Sh.run(work, Duration.ofSeconds(60), "ls | wc -l").ok("ls").output();
          assertEquals(files, Long.parseLong(listed.trim()), "every created file is listed");

          Gap g = longestGap(t);
          long[] gaps = new long[t.size() - 1];
          for (int i = 1; i < t.size(); i++) {
            gaps[i - 1] = t.get(i) - t.get(i - 1);
          }
          Arrays.sort(gaps);
          String line =
              "STALL create/stat: %d ms (longest gap between consecutive ops, from %+d ms after"
                      .formatted(g.ms, g.fromMs - f.killMs)
                  + " the kill; %d ops in %d s, median gap %d ms, p99 %d ms; kill at +%d ms,"
                      .formatted(
                          ops,
                          (t.getLast() - t.getFirst()) / 1000,
                          gaps[gaps.length / 2],
                          gaps[(int) (gaps.length * 0.99)],
                          f.killMs - startMs)
                  + " new leader seen after %d ms, %s restarted and up after %d ms)"
                      .formatted(f.electedMs - f.killMs, f.killed, f.upMs - f.killMs);
          report("create/stat", line);
          cluster.assertReplicasEqual(Duration.ofSeconds(60));
        });
  }

  @Test
  @Order(2)
  @Timeout(300)
  void ddOf1GiBRidesThroughLeaderKill() throws Exception {
    guarded(
        () -> {
          Path src = dir.resolve("source.bin");
          long g0 = System.nanoTime();
          String srcSha = writeSource(src);
          System.out.println(
              "source: 1 GiB, sha256 " + srcSha + ", made in " + ms(g0) + " ms at " + src);
          Path big = mount.mountpoint().resolve("big");
          Path ddOut = dir.resolve("dd.out");
          Process dd =
              new ProcessBuilder("dd", "if=" + src, "of=" + big, "bs=1M", "conv=fsync")
                  .redirectErrorStream(true)
                  .redirectOutput(ddOut.toFile())
                  .start();
          long ddStart = System.nanoTime();
          List<long[]> samples = new ArrayList<>(); // {nanoTime, wchar}
          Thread sampler =
              Thread.ofPlatform()
                  .name("dd-sampler")
                  .start(
                      () -> {
                        Path io = Path.of("/proc/" + dd.pid() + "/io");
                        while (dd.isAlive()) {
                          long w = wchar(io);
                          if (w >= 0) {
                            synchronized (samples) {
                              samples.add(new long[] {System.nanoTime(), w});
                            }
                          }
                          try {
                            Thread.sleep(SAMPLE_MS);
                          } catch (InterruptedException e) {
                            return;
                          }
                        }
                      });
          Failover f;
          try {
            long deadline = System.nanoTime() + DD_TIMEOUT.toNanos();
            while (lastWchar(samples) < SOURCE_BYTES / 5) {
              assertTrue(dd.isAlive(), "dd ended before 20%: " + Files.readString(ddOut));
              assertTrue(System.nanoTime() < deadline, "dd wrote < 20% in " + DD_TIMEOUT);
              Thread.sleep(20);
            }
            System.out.println("20% written after " + ms(ddStart) + " ms");
            f = killAndRestartLeader();
            assertTrue(
                dd.waitFor(DD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS),
                "dd still running after " + DD_TIMEOUT + ":\n" + Files.readString(ddOut));
            f = f.withDdExit(System.nanoTime());
          } finally {
            dd.destroyForcibly();
            sampler.join(5000);
          }
          long ddMs = (f.ddExitNs() - ddStart) / 1_000_000;
          String ddSays = Files.readString(ddOut).trim();
          assertEquals(0, dd.exitValue(), "dd failed:\n" + ddSays);
          System.out.println("dd: " + ddSays.replace('\n', ' '));

          // Read back through a new mount: nothing of this kernel's or bridge's caches remains.
          mount.close();
          mount = BridgeProcess.mount(spec(cluster), dir.resolve("mnt"), "");
          long r0 = System.nanoTime();
          assertEquals(SOURCE_BYTES, Files.size(big));
          String readSha = sha256(big);
          long readMs = ms(r0);
          assertEquals(srcSha, readSha, "sha256 of the file read back after the failover");

          Stall s = ddStall(samples, f);
          String line =
              ("STALL dd: %d ms (longest time dd's written bytes did not grow, sampled every %d ms,"
                      + " from %+d ms after the kill; %d ms without progress in all, counting runs"
                      + " of %d ms or more; %d ms from the kill until dd wrote again;"
                      + " final fsync+close %d ms)")
                  .formatted(
                      s.longestMs,
                      SAMPLE_MS,
                      s.longestFromMs,
                      s.stalledMs,
                      STALLED_MIN_MS,
                      s.killToResumeMs,
                      s.tailMs);
          System.out.println(timeline(samples, f));
          report("dd", line);
          report(
              "dd-run",
              "dd 1 GiB: %d ms in all (%.0f MiB/s), kill at %d%% written; new leader seen after %d ms, %s restarted and up after %d ms; read back %d ms (%.0f MiB/s), sha256 equal"
                  .formatted(
                      ddMs,
                      1024.0 * 1000 / ddMs,
                      s.killPercent,
                      f.electedMs - f.killMs,
                      f.killed,
                      f.upMs - f.killMs,
                      readMs,
                      1024.0 * 1000 / readMs));
          Files.delete(big);
          cluster.assertReplicasEqual(Duration.ofSeconds(60));
        });
  }

  // ---- the failover ----

  /**
   * One kill -9 of the meta leader and its restart: times since the epoch (ms), and the kill's
   * System.nanoTime; ddExitNs is set by the dd test.
   */
  record Failover(
      String killed, long killMs, long killNs, long electedMs, long upMs, long ddExitNs) {
    Failover withDdExit(long ns) {
      return new Failover(killed, killMs, killNs, electedMs, upMs, ns);
    }
  }

  private Failover killAndRestartLeader() throws Exception {
    String leader = cluster.waitForLeader(LEADER_TIMEOUT);
    cluster.log("kill -9 meta leader " + leader);
    cluster.kill9(leader);
    long killMs = System.currentTimeMillis();
    long killNs = System.nanoTime();
    String next = cluster.waitForLeader(LEADER_TIMEOUT, leader);
    long electedMs = System.currentTimeMillis();
    cluster.log("new meta leader " + next + "; restarting " + leader);
    cluster.restart(leader);
    cluster.waitUp(leader, LEADER_TIMEOUT);
    long upMs = System.currentTimeMillis();
    return new Failover(leader, killMs, killNs, electedMs, upMs, 0);
  }

  // ---- the figures ----

  record Gap(long ms, long fromMs) {}

  static Gap longestGap(List<Long> t) {
    Gap g = new Gap(0, t.getFirst());
    for (int i = 1; i < t.size(); i++) {
      long d = t.get(i) - t.get(i - 1);
      if (d > g.ms) {
        g = new Gap(d, t.get(i - 1));
      }
    }
    return g;
  }

  record Stall(
      long longestMs,
      long longestFromMs,
      long stalledMs,
      long killToResumeMs,
      long tailMs,
      long killPercent) {}

  /** Runs without progress at least this long count towards the total stalled time. */
  static final long STALLED_MIN_MS = 1000;

  /**
   * From (nanoTime, wchar) samples: the longest run without progress until the last byte was
   * written, the time from the kill to the first progress after it, and the time from the last byte
   * written to dd's exit (its fsync and close).
   */
  static Stall ddStall(List<long[]> samples, Failover f) {
    long longest = 0;
    long longestFromNs = 0;
    long stalledNs = 0;
    long lastChangeNs = samples.getFirst()[0];
    long lastW = samples.getFirst()[1];
    long wAtKill = 0;
    long resumeNs = -1;
    long allWrittenNs = -1;
    for (long[] s : samples) {
      if (s[0] <= f.killNs) {
        wAtKill = s[1];
      } else if (resumeNs < 0 && s[1] > wAtKill) {
        resumeNs = s[0];
      }
      if (s[1] != lastW && lastW < SOURCE_BYTES) {
        if (s[0] - lastChangeNs >= STALLED_MIN_MS * 1_000_000) {
          stalledNs += s[0] - lastChangeNs;
        }
        if (s[0] - lastChangeNs > longest) {
          longest = s[0] - lastChangeNs;
          longestFromNs = lastChangeNs;
        }
        lastChangeNs = s[0];
        lastW = s[1];
        if (s[1] >= SOURCE_BYTES) {
          allWrittenNs = s[0];
        }
      }
    }
    return new Stall(
        longest / 1_000_000,
        (longestFromNs - f.killNs) / 1_000_000,
        stalledNs / 1_000_000,
        resumeNs < 0 ? -1 : (resumeNs - f.killNs) / 1_000_000,
        allWrittenNs < 0 ? 0 : (f.ddExitNs() - allWrittenNs) / 1_000_000, // 0: under a sample
        wAtKill * 100 / SOURCE_BYTES);
  }

  /** MiB written per second, with the kill (K), the new leader (L) and the restart (U) marked. */
  static String timeline(List<long[]> samples, Failover f) {
    StringBuilder b = new StringBuilder("dd progress, MiB written by each second:");
    long t0 = samples.getFirst()[0];
    long killS = (f.killNs - t0) / 1_000_000_000L;
    long electedS = killS + (f.electedMs - f.killMs) / 1000;
    long upS = killS + (f.upMs - f.killMs) / 1000;
    long nextS = 0;
    for (long[] s : samples) {
      long sec = (s[0] - t0) / 1_000_000_000L;
      if (sec >= nextS) {
        b.append(' ').append(sec).append("s:").append(s[1] >> 20);
        b.append(sec == killS ? "K" : "").append(sec == electedS ? "L" : "");
        b.append(sec == upS ? "U" : "");
        nextS = sec + 1;
      }
    }
    return b.toString();
  }

  private void report(String key, String line) throws IOException {
    System.out.println(line);
    figures.put(key, line);
    Files.createDirectories(FIGURES.toAbsolutePath().getParent());
    Files.write(FIGURES, figures.values());
  }

  // ---- data ----

  /** 1 GiB of a seeded SplittableRandom stream; returns its sha256. */
  static String writeSource(Path src) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    SplittableRandom rnd = new SplittableRandom(SOURCE_SEED);
    ByteBuffer buf = ByteBuffer.allocate(BLOCK).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel ch =
        FileChannel.open(
            src,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      for (long done = 0; done < SOURCE_BYTES; done += BLOCK) {
        buf.clear();
        while (buf.hasRemaining()) {
          buf.putLong(rnd.nextLong());
        }
        md.update(buf.array());
        buf.flip();
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  static String sha256(Path p) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    ByteBuffer buf = ByteBuffer.allocate(BLOCK);
    try (FileChannel ch = FileChannel.open(p)) {
      while (ch.read(buf.clear()) >= 0) {
        md.update(buf.array(), 0, buf.position());
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static long wchar(Path io) {
    try {
      for (String l : Files.readAllLines(io)) {
        if (l.startsWith("wchar:")) {
          return Long.parseLong(l.substring(6).trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      // dd just exited
    }
    return -1;
  }

  private static long lastWchar(List<long[]> samples) {
    synchronized (samples) {
      return samples.isEmpty() ? 0 : samples.getLast()[1];
    }
  }

  private static long ms(long startNs) {
    return (System.nanoTime() - startNs) / 1_000_000;
  }

  // ---- failure handling ----

  private interface Body {
    void run() throws Exception;
  }

  /**
   * Runs a step; on failure prints the node and bridge log tails (and keeps the node logs). The
   * bridge log is kept either way, for reading what a stall waited for.
   */
  private void guarded(Body body) throws Exception {
    try {
      body.run();
    } catch (Throwable t) {
      cluster.dumpLogs(t);
      if (mount != null) {
        System.out.println("---- bridge log tail ----\n" + mount.logTail(80));
      }
      throw t;
    } finally {
      if (mount != null) {
        Path keep = Path.of("target", "cluster-logs", "mountfail", "bridge.log");
        Files.createDirectories(keep.getParent());
        Files.copy(mount.log(), keep, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("==== bridge log kept in " + keep.toAbsolutePath());
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
