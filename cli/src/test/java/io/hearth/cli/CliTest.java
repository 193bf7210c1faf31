package io.hearth.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.InProcessCluster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * hearth fs / hearth admin run in-process, exactly as main runs them, against three real servers:
 * stdout, stderr and exit status for successes and for the expected failures.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliTest {
  private static InProcessCluster cluster;

  @TempDir static Path local;

  /** {@code data}: the bytes the command wrote to stdout (file contents); {@code out}: its text. */
  record Result(int status, String out, String err, byte[] data) {
    List<String> lines() {
      return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }
  }

  @BeforeAll
  static void start() throws Exception {
    cluster = new InProcessCluster(3);
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  private static Result hearth(String... args) {
    return hearthWithStdin(new byte[0], args);
  }

  private static Result hearthWithStdin(byte[] stdin, String... args) {
    return hearthWithIo(new ByteArrayInputStream(stdin), new ByteArrayOutputStream(), args);
  }

  /** {@code stdout}: where file contents go; {@link Result#data} only for a byte array stream. */
  private static Result hearthWithIo(InputStream stdin, OutputStream stdout, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    // The cluster goes after the subcommand, where every client command takes it.
    if (all.size() >= 2 && !List.of(args).contains("--cluster")) {
      all.addAll(2, List.of("--cluster", cluster.spec()));
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = HearthCli.commandLine(stdin, stdout);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int status = cl.execute(all.toArray(String[]::new));
    byte[] data = stdout instanceof ByteArrayOutputStream b ? b.toByteArray() : null;
    return new Result(status, out.toString(), err.toString(), data);
  }

  private static void assertOk(Result r) {
    assertEquals(0, r.status(), () -> "stderr: " + r.err());
    assertEquals("", r.err());
  }

  @Test
  @Order(1)
  void mkdirThenExistingIsEexist() {
    assertOk(hearth("fs", "mkdir", "/a"));
    Result again = hearth("fs", "mkdir", "/a");
    assertEquals(1, again.status());
    assertEquals("hearth fs mkdir: /a: EEXIST (File exists)\n", again.err());
    assertEquals("", again.out());
  }

  @Test
  @Order(2)
  void mkdirParentsAndMode() {
    assertOk(hearth("fs", "mkdir", "-p", "-m", "750", "/p/q/r"));
    assertOk(hearth("fs", "mkdir", "-p", "/p/q")); // exists: fine with -p
    Result r = hearth("fs", "stat", "-c", "%n %F %a %A %h", "/p/q/r");
    assertOk(r);
    assertEquals("/p/q/r directory 750 drwxr-x--- 2\n", r.out());
    assertEquals(1, hearth("fs", "mkdir", "/x/y").status(), "no parent without -p");
  }

  @Test
  @Order(3)
  void statOfMissingIsEnoent() {
    Result r = hearth("fs", "stat", "/nope", "/a");
    assertEquals(1, r.status());
    assertEquals("hearth fs stat: /nope: ENOENT (No such file or directory)\n", r.err());
    assertTrue(r.out().startsWith("  File: /a\n"), r.out());
    assertTrue(r.out().contains("directory"), r.out());
  }

  @Test
  @Order(4)
  void lsShortAndLong() {
    assertOk(hearth("fs", "mkdir", "/b", "/.hidden"));
    Result plain = hearth("fs", "ls", "/");
    assertOk(plain);
    assertEquals(List.of("a", "b", "p"), plain.lines());
    assertEquals(
        List.of(".", "..", ".hidden", "a", "b", "p"), hearth("fs", "ls", "-a", "/").lines());

    Result longForm = hearth("fs", "ls", "-l", "/");
    assertOk(longForm);
    List<String> lines = longForm.lines();
    assertEquals(4, lines.size(), longForm.out());
    assertTrue(lines.get(0).startsWith("total "), lines.get(0));
    Pattern row =
        Pattern.compile(
            "d[rwx-]{9} \\d+ \\d+ \\d+ \\d+ \\w{3} [ \\d]\\d (\\d\\d:\\d\\d| \\d{4}) [abp]");
    for (String line : lines.subList(1, 4)) {
      assertTrue(row.matcher(line).matches(), line);
    }
    assertTrue(lines.get(3).endsWith(" p"), lines.get(3));

    Result two = hearth("fs", "ls", "/p", "/a");
    assertOk(two);
    assertEquals("/a:\n\n/p:\nq\n", two.out());
  }

  @Test
  @Order(5)
  void rmOfDirectoryNeedsR() {
    Result r = hearth("fs", "rm", "/b");
    assertEquals(1, r.status());
    assertEquals("hearth fs rm: /b: EISDIR (Is a directory)\n", r.err());
    assertOk(hearth("fs", "rm", "-f", "/no-such-file"));
    assertEquals(2, hearth("fs", "rm").status(), "no operand");
  }

  @Test
  @Order(6)
  void df() {
    Result r = hearth("fs", "df");
    assertOk(r);
    assertTrue(r.lines().get(0).startsWith("Filesystem"), r.out());
    assertTrue(r.lines().get(1).startsWith("hearth "), r.out());
    assertOk(hearth("fs", "df", "-h"));
  }

  @Test
  @Order(7)
  void usageErrorsExitTwo() {
    Result bad = hearth("fs", "mkdir", "--cluster", "no-port-here", "/z");
    assertEquals(2, bad.status());
    assertTrue(bad.err().startsWith("hearth fs mkdir: --cluster: "), bad.err());
    assertFalse(bad.err().contains("Exception"), bad.err());

    assertEquals(2, hearth("fs", "mkdir").status());
    assertEquals(2, hearth("fs", "frobnicate", "/").status());
    assertEquals(2, hearth("fs").status());
    assertEquals(2, hearth("fs", "chmod", "u+q", "/a").status());
    assertEquals(2, hearth("fs", "chown", "ana", "/a").status());
    Result help = hearth("fs", "mkdir", "--help");
    assertEquals(0, help.status());
    assertTrue(help.out().contains("--cluster"), help.out());
  }

  @Test
  @Order(8)
  void unreachableClusterFailsWithinTimeout() {
    String nobody = "127.0.0.1:" + InProcessCluster.freePort();
    long start = System.nanoTime();
    Result r = hearth("fs", "ls", "--cluster", nobody, "--timeout", "2", "/");
    assertEquals(1, r.status());
    assertTrue(r.err().startsWith("hearth fs ls: E"), r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    assertTrue(System.nanoTime() - start < 15_000_000_000L, "bounded by --timeout");

    Result status = hearth("admin", "status", "--cluster", nobody);
    assertEquals(1, status.status());
    assertTrue(status.err().contains("unhealthy: no server answered"), status.err());
    assertTrue(status.out().contains("UNREACHABLE"), status.out());
  }

  @Test
  @Order(9)
  void adminStatus() {
    Result r = hearth("admin", "status");
    assertOk(r);
    List<String> lines = r.lines();
    assertTrue(lines.size() > 5, r.out());
    assertTrue(lines.get(0).startsWith("ID "), lines.get(0));
    // Then the nodes and data groups of the cluster map.
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("NODE ")), r.out());
    assertEquals(
        3, lines.stream().filter(l -> l.matches("n\\d +127.* active .* yes")).count(), r.out());
    assertTrue(lines.stream().anyMatch(l -> l.matches("0 +n\\d.*")), r.out());
    assertTrue(r.out().contains("under-replicated blocks: 0"), r.out());
    assertEquals(1, lines.stream().filter(l -> l.contains("LEADER*")).count(), r.out());
    assertTrue(
        lines.get(4).matches("leader: n\\d at 127\\.0\\.0\\.1:\\d+; 3 of 3 members reachable"),
        lines.get(4));

    Result json = hearth("admin", "status", "--json");
    assertOk(json);
    assertTrue(json.out().startsWith("{\"healthy\":true,\"leader\":\"n"), json.out());
    assertTrue(json.out().contains("\"reachable\":3,"), json.out());
    assertTrue(json.out().contains("\"underReplicatedBlocks\":0,"), json.out());
  }

  // ---- file contents ----

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  private static String statField(String format, String path) {
    Result r = hearth("fs", "stat", "-c", format, path);
    assertOk(r);
    return r.out().strip();
  }

  private static void assertFailed(Result r, String err) {
    assertEquals(1, r.status(), () -> "stderr: " + r.err());
    assertEquals(err, r.err());
  }

  @Test
  @Order(11)
  void putThenGetRoundTripsByteExact() throws Exception {
    // 4 MiB blocks, 1 MiB I/O: several of each, and a short tail.
    byte[] content = random((5 << 20) + 12345, 1);
    Path src = local.resolve("big.bin");
    Files.write(src, content);
    Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rw-r-----"));
    assertOk(hearth("fs", "mkdir", "/data"));

    Result put = hearth("fs", "put", src.toString(), "/data/big.bin");
    assertOk(put);
    // Not a terminal: one summary line.
    assertTrue(
        put.out()
            .matches(
                "/data/big\\.bin: "
                    + content.length
                    + " bytes \\(5\\.0 MiB\\) in \\d+\\.\\d\\d s, \\d+\\.\\d MiB/s\n"),
        put.out());
    assertEquals(content.length + " 640", statField("%s %a", "/data/big.bin"));

    Path back = local.resolve("big.back");
    Result get = hearth("fs", "get", "-q", "/data/big.bin", back.toString());
    assertOk(get);
    assertEquals("", get.out(), "-q: no summary");
    assertEquals(sha256(content), sha256(Files.readAllBytes(back)));
    assertEquals(
        Modes.permissions(0640 & ~Modes.umask()), Files.getPosixFilePermissions(back), "0640");

    // Onto an existing, longer file: truncated first; --mode applies to it.
    byte[] shorter = random(3000, 2);
    Files.write(src, shorter);
    assertOk(hearth("fs", "put", "-q", "--mode", "u=rw,go=", src.toString(), "/data/big.bin"));
    assertEquals("3000 600", statField("%s %a", "/data/big.bin"));
    assertArrayEquals(shorter, hearth("fs", "cat", "/data/big.bin").data());
  }

  @Test
  @Order(12)
  void putFromStdinGetToStdout() throws Exception {
    byte[] content = random((1 << 20) + 777, 3); // crosses one 1 MiB read
    Result put = hearthWithStdin(content, "fs", "put", "-", "/data/stdin.bin");
    assertOk(put);
    assertTrue(put.out().startsWith("/data/stdin.bin: " + content.length + " bytes"), put.out());
    assertEquals(Integer.toOctalString(0666 & ~Modes.umask()), statField("%a", "/data/stdin.bin"));

    Result get = hearth("fs", "get", "/data/stdin.bin", "-");
    assertOk(get);
    assertEquals("", get.out(), "stdout carries the bytes, so no summary");
    assertEquals(sha256(content), sha256(get.data()));
  }

  @Test
  @Order(13)
  void catConcatenatesAndGoesOnPastAFailure() {
    assertOk(hearthWithStdin("one\n".getBytes(UTF_8), "fs", "put", "-q", "-", "/data/one"));
    assertOk(hearthWithStdin("two\n".getBytes(UTF_8), "fs", "put", "-q", "-", "/data/two"));
    Result r = hearth("fs", "cat", "/data/one", "/data/two");
    assertOk(r);
    assertEquals("one\ntwo\n", new String(r.data(), UTF_8));

    Result gap = hearth("fs", "cat", "/data/one", "/data/nope", "/data", "/data/two");
    assertFailed(
        gap,
        "hearth fs cat: /data/nope: ENOENT (No such file or directory)\n"
            + "hearth fs cat: /data: EISDIR (Is a directory)\n");
    assertEquals("one\ntwo\n", new String(gap.data(), UTF_8));

    // A reader that left (| head) ends cat without a message, as SIGPIPE ends cat(1).
    OutputStream closedPipe =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            throw new IOException("Broken pipe");
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            write(0);
          }
        };
    Result piped =
        hearthWithIo(
            new ByteArrayInputStream(new byte[0]),
            closedPipe,
            "fs",
            "cat",
            "/data/one",
            "/data/two");
    assertEquals(1, piped.status());
    assertEquals("", piped.err());
  }

  @Test
  @Order(14)
  void truncateShrinksAndExtendsWithZeros() {
    assertOk(hearthWithStdin("0123456789".getBytes(UTF_8), "fs", "put", "-q", "-", "/data/t"));
    assertOk(hearth("fs", "truncate", "-s", "4", "/data/t"));
    assertEquals("4", statField("%s", "/data/t"));
    assertArrayEquals("0123".getBytes(UTF_8), hearth("fs", "cat", "/data/t").data());

    assertOk(hearth("fs", "truncate", "--size", "1K", "/data/t"));
    assertEquals("1024", statField("%s", "/data/t"));
    byte[] extended = new byte[1024];
    System.arraycopy("0123".getBytes(UTF_8), 0, extended, 0, 4);
    assertArrayEquals(extended, hearth("fs", "cat", "/data/t").data());

    // Relative sizes, and a size past the 4 MiB block size: zeros all the way.
    assertOk(hearth("fs", "truncate", "-s", "+5M", "/data/t"));
    assertEquals(Integer.toString(1024 + (5 << 20)), statField("%s", "/data/t"));
    byte[] big = hearth("fs", "cat", "/data/t").data();
    assertEquals(1024 + (5 << 20), big.length);
    assertArrayEquals(extended, java.util.Arrays.copyOf(big, 1024));
    assertTrue(java.util.stream.IntStream.range(1024, big.length).allMatch(i -> big[i] == 0));
    assertOk(hearth("fs", "truncate", "-s", "/1M", "/data/t"));
    assertEquals(Integer.toString(5 << 20), statField("%s", "/data/t"));

    // A missing file is created, unless --no-create.
    assertOk(hearth("fs", "truncate", "-s", "2M", "/data/new"));
    assertEquals("2097152 regular file", statField("%s %F", "/data/new"));
    assertOk(hearth("fs", "truncate", "-c", "-s", "1", "/data/absent"));
    assertFailed(
        hearth("fs", "stat", "/data/absent"),
        "hearth fs stat: /data/absent: ENOENT (No such file or directory)\n");
  }

  @Test
  @Order(15)
  void dataCommandErrors() throws Exception {
    Path target = local.resolve("never");
    assertFailed(
        hearth("fs", "get", "/data/nope", target.toString()),
        "hearth fs get: /data/nope: ENOENT (No such file or directory)\n");
    assertFalse(Files.exists(target), "a failed get creates nothing");

    Path small = local.resolve("small");
    Files.writeString(small, "x");
    assertFailed(
        hearth("fs", "put", small.toString(), "/data"),
        "hearth fs put: /data: EISDIR (Is a directory)\n");
    String missing = local.resolve("missing").toString();
    assertFailed(
        hearth("fs", "put", missing, "/data/m"),
        "hearth fs put: " + missing + ": ENOENT (No such file or directory)\n");
    assertFailed(
        hearth("fs", "stat", "/data/m"),
        "hearth fs stat: /data/m: ENOENT (No such file or directory)\n");
    assertFailed(
        hearth("fs", "get", "/data/one", local.toString()),
        "hearth fs get: " + local + ": EISDIR (Is a directory)\n");
    assertFailed(
        hearth("fs", "get", "/data/one", "/dev/full"),
        "hearth fs get: /dev/full: ENOSPC (No space left on device)\n");
    assertFailed(
        hearth("fs", "truncate", "-s", "1", "/data"),
        "hearth fs truncate: /data: EISDIR (Is a directory)\n");

    for (String bad : List.of("ten", "1X", "-", "1Z", "99999999999E", "%0")) {
      Result r = hearth("fs", "truncate", "-s", bad, "/data/t");
      assertEquals(2, r.status(), bad);
      assertTrue(r.err().startsWith("hearth fs truncate: invalid size"), r.err());
    }
    assertEquals(2, hearth("fs", "truncate", "/data/t").status(), "-s is required");
    assertEquals(2, hearth("fs", "put", "--mode", "u+q", small.toString(), "/d").status());
    assertEquals(2, hearth("fs", "put", small.toString()).status(), "two operands");
    Result help = hearth("fs", "put", "--help");
    assertEquals(0, help.status());
    assertTrue(help.out().contains("--mode"), help.out());
  }

  /** Stops a server: it must come last. */
  @Test
  @Order(99)
  void adminStatusWithOneServerDown() throws Exception {
    var leader =
        io.hearth.cli.admin.ClusterStatus.gather(
            io.hearth.client.ClusterSpec.parse(cluster.spec()), java.time.Duration.ofSeconds(2));
    // Stop a follower: the group stays healthy and the table says which member is gone.
    int victim = leader.leaderId().equals("n3") ? 1 : 2;
    cluster.servers().get(victim).close();
    Result r = hearth("admin", "status");
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("n" + (victim + 1) + "  127.0.0.1:"), r.out());
    assertTrue(r.out().contains("UNREACHABLE"), r.out());
    assertTrue(r.out().contains("2 of 3 members reachable"), r.out());
  }
}
