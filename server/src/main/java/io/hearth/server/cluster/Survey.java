package io.hearth.server.cluster;

import io.hearth.protocol.data.DataStat;
import java.util.Map;
import java.util.Optional;

/**
 * What the members of the data groups said of their replicas at one step of the mover: group number
 * -> node id -> its stat; a member that did not answer is absent.
 */
record Survey(Map<Integer, Map<String, DataStat>> stats) {
  Optional<DataStat> of(int group, String node) {
    return Optional.ofNullable(stats.getOrDefault(group, Map.of()).get(node));
  }

  /** A group's size: the most block bytes any of its members reported. */
  long groupBytes(int group) {
    return stats.getOrDefault(group, Map.of()).values().stream()
        .mapToLong(DataStat::getBlockBytes)
        .max()
        .orElse(0);
  }
}
