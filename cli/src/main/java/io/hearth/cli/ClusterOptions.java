package io.hearth.cli;

import io.hearth.client.ClusterSpec;
import io.hearth.protocol.HearthException;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The options every client command takes: where the cluster is, and --help. */
final class ClusterOptions {
  @Option(
      names = "--cluster",
      paramLabel = "HOST:PORT,...",
      description =
          "The cluster's servers; any one that answers is enough. Default: $HEARTH_CLUSTER.")
  String cluster;

  @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
  boolean help;

  /** The cluster to talk to; a missing or malformed spec is a usage error. */
  ClusterSpec spec(CommandLine cl) {
    try {
      return ClusterSpec.fromFlagOrEnv(cluster);
    } catch (HearthException e) {
      throw new ParameterException(cl, "--cluster: " + e.detail());
    }
  }
}
