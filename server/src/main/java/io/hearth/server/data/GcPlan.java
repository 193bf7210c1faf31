package io.hearth.server.data;

import io.hearth.protocol.data.BlockInfo;
import io.hearth.protocol.meta.BlockRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** Block GC's decisions, as pure functions of what a round read (see {@link BlockGc}). */
final class GcPlan {
  private GcPlan() {}

  /**
   * The deletes to send for blocks no file refers to: their ids by data group, in group order. A
   * block of a group that no longer exists is left out: the group's blocks went with it.
   */
  static Map<Integer, List<Long>> deletes(List<BlockRef> blocks, Set<Integer> groups) {
    Map<Integer, List<Long>> byGroup = new TreeMap<>();
    for (BlockRef b : blocks) {
      if (groups.contains(b.getGroup())) {
        byGroup.computeIfAbsent(b.getGroup(), k -> new ArrayList<>()).add(b.getId());
      }
    }
    return byGroup;
  }

  /**
   * The commit time (wall clock, as blocks record it) before which an unreferenced block is an
   * orphan: {@code graceMs} ago. The namespace refuses chunk maps naming blocks older than half of
   * that, so no such block can be referenced later.
   */
  static long orphanCutoffNs(long nowMs, long graceMs) {
    return TimeUnit.MILLISECONDS.toNanos(nowMs - graceMs);
  }

  /**
   * The blocks of a listed page old enough to be orphans, if the namespace does not refer to them.
   */
  static List<BlockRef> orphanCandidates(int group, List<BlockInfo> listed, long cutoffNs) {
    List<BlockRef> out = new ArrayList<>();
    for (BlockInfo b : listed) {
      if (b.getCommittedNs() < cutoffNs) {
        out.add(BlockRef.newBuilder().setGroup(group).setId(b.getId()).build());
      }
    }
    return out;
  }

  /** How often the data groups are listed for orphans: a quarter of the grace, at least a round. */
  static long orphanScanEveryMs(long intervalMs, long graceMs) {
    return Math.max(intervalMs, graceMs / 4);
  }

  /**
   * The blocks every member of a group lacks: committed without their bytes (the writer gave up
   * before any member kept them), which no file can name, since a writer takes a block only when
   * the leader that committed it holds its bytes. Empty unless every member answered: a member not
   * heard from may hold the block.
   *
   * @param missingByMember each member's missing ids, null for a member that did not answer
   */
  static List<Long> missingEverywhere(List<Set<Long>> missingByMember) {
    if (missingByMember.isEmpty() || missingByMember.stream().anyMatch(m -> m == null)) {
      return List.of();
    }
    Set<Long> all = new java.util.TreeSet<>(missingByMember.get(0));
    for (Set<Long> m : missingByMember.subList(1, missingByMember.size())) {
      all.retainAll(m);
    }
    return List.copyOf(all);
  }
}
