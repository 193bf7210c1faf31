package io.hearth.cli;

import io.hearth.cli.admin.Membership;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.ClusterMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

@Command(
    name = "rebalance",
    description = {
      "Even out the block bytes the nodes hold: the servers move one data replica at a time from",
      "the fullest node to the emptiest, until they differ by less than the threshold. Copying",
      "is limited to --max-bandwidth per node. Waits until done unless --no-wait."
    })
final class RebalanceCommand extends MembershipCommand {
  @Option(
      names = "--max-bandwidth",
      paramLabel = "SIZE",
      defaultValue = "100M",
      description =
          "Bytes per second each node may spend copying, e.g. 50M (default: ${DEFAULT-VALUE}; 0: unlimited).")
  String bandwidth;

  @Option(
      names = "--threshold",
      paramLabel = "PCT",
      defaultValue = "10",
      description =
          "Done when the fullest and emptiest differ by less than this % (default: ${DEFAULT-VALUE}).")
  int thresholdPct;

  @Option(names = "--no-wait", description = "Ask for it and return.")
  boolean noWait;

  @Override
  int run(Membership m) throws HearthException, InterruptedException {
    long rate;
    try {
      Sizes.Spec size = Sizes.parse(bandwidth);
      if (size.relative()) {
        throw new IllegalArgumentException("a plain size, like 50M");
      }
      rate = size.bytes();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--max-bandwidth: " + e.getMessage());
    }
    if (thresholdPct < 1 || thresholdPct > 100) {
      throw new ParameterException(spec.commandLine(), "--threshold must be 1..100");
    }
    m.requestRebalance(rate, thresholdPct);
    out.println("rebalance requested");
    out.flush();
    if (noWait) {
      return 0;
    }
    boolean ok =
        await(
            m,
            map -> !map.getRebalancing(),
            (ClusterMap map) -> "rebalancing" + moves(m, map, map.getGroupsList()));
    if (ok) {
      out.println("balanced");
    }
    return ok ? 0 : HearthCli.EXIT_FAILED;
  }
}
