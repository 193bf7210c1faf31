package io.hearth.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.InProcessCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import picocli.CommandLine;

/**
 * hearth fs / hearth admin run in-process, exactly as main runs them, against three real servers:
 * stdout, stderr and exit status for successes and for the expected failures.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliTest {
  private static InProcessCluster cluster;

  record Result(int status, String out, String err) {
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
    List<String> all = new ArrayList<>(List.of(args));
    // The cluster goes after the subcommand, where every client command takes it.
    if (all.size() >= 2 && !List.of(args).contains("--cluster")) {
      all.addAll(2, List.of("--cluster", cluster.spec()));
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = HearthCli.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int status = cl.execute(all.toArray(String[]::new));
    return new Result(status, out.toString(), err.toString());
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
    assertEquals(5, lines.size(), r.out());
    assertTrue(lines.get(0).startsWith("ID "), lines.get(0));
    assertEquals(1, lines.stream().filter(l -> l.contains("LEADER*")).count(), r.out());
    assertTrue(
        lines.get(4).matches("leader: n\\d at 127\\.0\\.0\\.1:\\d+; 3 of 3 members reachable"),
        lines.get(4));

    Result json = hearth("admin", "status", "--json");
    assertOk(json);
    assertTrue(json.out().startsWith("{\"healthy\":true,\"leader\":\"n"), json.out());
    assertEquals(3, json.out().split("\"reachable\":true").length - 1, json.out());
  }

  @Test
  @Order(10)
  void adminStatusWithOneServerDown() throws Exception {
    var leader =
        io.hearth.client.admin.ClusterStatus.gather(
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
