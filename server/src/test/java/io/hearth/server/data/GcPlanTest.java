package io.hearth.server.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hearth.protocol.data.BlockInfo;
import io.hearth.protocol.meta.BlockRef;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Block GC's decisions on hand-made pages. */
class GcPlanTest {
  private static BlockRef ref(int group, long id) {
    return BlockRef.newBuilder().setGroup(group).setId(id).build();
  }

  private static BlockInfo listed(long id, long committedNs) {
    return BlockInfo.newBuilder().setId(id).setLength(4096).setCommittedNs(committedNs).build();
  }

  @Test
  void aPageOfTheQueueBecomesOneDeletePerExistingGroup() {
    List<BlockRef> page = List.of(ref(2, 30), ref(0, 10), ref(2, 31), ref(7, 70), ref(0, 11));
    assertEquals(
        Map.of(0, List.of(10L, 11L), 2, List.of(30L, 31L)),
        GcPlan.deletes(page, Set.of(0, 1, 2)),
        "group 7 is gone, and its blocks with it");
    assertEquals(List.of(0, 2), List.copyOf(GcPlan.deletes(page, Set.of(0, 2)).keySet()));
    assertEquals(Map.of(), GcPlan.deletes(List.of(), Set.of(0)));
  }

  @Test
  void onlyBlocksCommittedBeforeTheGraceAreOrphanCandidates() {
    long nowMs = 10_000_000;
    long graceMs = 3_600_000;
    long cutoffNs = GcPlan.orphanCutoffNs(nowMs, graceMs);
    assertEquals((nowMs - graceMs) * 1_000_000, cutoffNs);
    List<BlockInfo> page =
        List.of(
            listed(1, cutoffNs - 1), listed(2, cutoffNs), listed(3, cutoffNs + 1), listed(4, 0));
    assertEquals(List.of(ref(5, 1), ref(5, 4)), GcPlan.orphanCandidates(5, page, cutoffNs));
  }

  @Test
  void orphanScansRunEveryQuarterGraceButNoMoreOftenThanRounds() {
    assertEquals(900_000, GcPlan.orphanScanEveryMs(5_000, 3_600_000));
    assertEquals(5_000, GcPlan.orphanScanEveryMs(5_000, 8_000));
  }

  @Test
  void onlyBlocksEveryMemberLacksAreUnstored() {
    assertEquals(
        List.of(7L),
        GcPlan.missingEverywhere(List.of(Set.of(5L, 7L), Set.of(7L, 9L), Set.of(7L))),
        "5 and 9 are held by some member: they are repaired, not deleted");
    assertEquals(
        List.of(),
        GcPlan.missingEverywhere(java.util.Arrays.asList(Set.of(7L), null, Set.of(7L))),
        "a member that did not answer may hold it");
    assertEquals(List.of(), GcPlan.missingEverywhere(List.of()));
    assertEquals(List.of(), GcPlan.missingEverywhere(List.of(Set.of(1L), Set.of())));
  }
}
