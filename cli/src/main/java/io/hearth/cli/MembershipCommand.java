package io.hearth.cli;

import io.hearth.cli.admin.DataSurvey;
import io.hearth.cli.admin.Membership;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Maps;
import io.hearth.protocol.meta.ClusterMap;
import io.hearth.protocol.meta.GroupInfo;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What the membership commands share: the cluster options, a {@link Membership} to act through,
 * refusals (printed with what to do, exit 1, unless --force), and waiting for the servers' mover
 * with progress (a line redrawn on a terminal, a line every few seconds otherwise).
 */
abstract class MembershipCommand implements Callable<Integer> {
  static final long POLL_MS = 1_000;
  static final long LOG_EVERY_MS = 5_000;

  @Spec CommandSpec spec;
  @Mixin ClusterOptions cluster;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "3600",
      description = "Give up waiting after this many seconds (default: ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  PrintWriter out;
  PrintWriter err;

  abstract int run(Membership m) throws HearthException, InterruptedException;

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
    err = spec.commandLine().getErr();
    var where = cluster.spec(spec.commandLine());
    try (Membership m = new Membership(where)) {
      return run(m);
    } catch (HearthException e) {
      err.println(spec.qualifiedName() + ": " + e.errno() + ": " + e.detail());
      return HearthCli.EXIT_FAILED;
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** Prints the refusals and returns true if the command must stop (no --force). */
  boolean refused(List<String> why, boolean force) {
    if (why.isEmpty()) {
      return false;
    }
    for (String w : why) {
      err.println(
          spec.qualifiedName() + ": " + (force ? "going on (--force) although " : "refused: ") + w);
    }
    if (!force) {
      err.println("Nothing was changed. --force does it anyway, at the risk named above.");
      err.flush();
    }
    return !force;
  }

  /**
   * Waits until no data group holds {@code node}, showing the moves; false on timeout (the moves go
   * on in the servers).
   */
  boolean awaitDrained(Membership m, String node) throws HearthException, InterruptedException {
    int[] total = {-1};
    return await(
        m,
        map -> Maps.groupsOf(map, node).isEmpty(),
        map -> {
          List<GroupInfo> left = Maps.groupsOf(map, node);
          total[0] = Math.max(total[0], left.size());
          return "moving the replicas of "
              + node
              + ": "
              + (total[0] - left.size())
              + " of "
              + total[0]
              + " groups done"
              + moves(m, map, left);
        });
  }

  /** The copies under way among these groups: "; group 2 -> n6 120/400 blocks". */
  static String moves(Membership m, ClusterMap map, List<GroupInfo> groups) {
    StringBuilder b = new StringBuilder();
    List<GroupInfo> moving = groups.stream().filter(g -> !g.getJoining().isEmpty()).toList();
    if (moving.isEmpty()) {
      return "";
    }
    DataSurvey s = m.survey(map);
    for (GroupInfo g : moving) {
      long blocks = s.blocks(g.getNumber());
      DataSurvey.Replica j = s.of(g.getNumber()).get(g.getJoining());
      String have =
          j == null || !j.reachable()
              ? "starting"
              : j.stat().getBlocks() + "/" + blocks + " blocks";
      b.append("; group ").append(g.getNumber()).append(" -> ").append(g.getJoining()).append(' ');
      b.append(have);
    }
    return b.toString();
  }

  interface Describe {
    String of(ClusterMap m) throws HearthException;
  }

  boolean await(Membership m, Predicate<ClusterMap> done, Describe progress)
      throws HearthException, InterruptedException {
    boolean live = Progress.isTerminal();
    long deadline = System.currentTimeMillis() + timeoutSeconds * 1000;
    long lastLog = 0;
    String last = "";
    while (true) {
      ClusterMap map = m.map();
      if (done.test(map)) {
        if (live) {
          out.print("\r\033[K");
        }
        return true;
      }
      if (System.currentTimeMillis() > deadline) {
        out.println();
        err.println(
            spec.qualifiedName()
                + ": still under way after "
                + timeoutSeconds
                + " s; the servers go on: watch 'hearth admin status', or run this again to wait");
        return false;
      }
      String line = progress.of(map);
      long now = System.currentTimeMillis();
      if (live) {
        out.print("\r\033[K" + line);
        out.flush();
      } else if (!line.equals(last) || now - lastLog >= LOG_EVERY_MS) {
        out.println(line);
        out.flush();
        lastLog = now;
      }
      last = line;
      Thread.sleep(POLL_MS);
    }
  }
}
