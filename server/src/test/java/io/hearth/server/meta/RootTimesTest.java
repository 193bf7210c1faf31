package io.hearth.server.meta;

import static io.hearth.server.meta.TestFs.assertErrno;
import static io.hearth.server.meta.TestFs.time;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hearth.protocol.Errno;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.TimeHow;
import io.hearth.server.meta.store.MetaStore;
import io.hearth.server.meta.store.Txn;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The root's times: 0 in a namespace no entry reached, then those of the first entry a new
 * namespace applies (the cluster's start, the same on every replica), whatever that entry does.
 */
class RootTimesTest extends SemanticsBase {
  @Test
  void theFirstEntryGivesTheRootItsTimesEvenWhenItFails() throws Exception {
    assertTimes(0, 0, 0, root.stat(""));
    long first = tick();
    assertErrno(Errno.ENOENT, () -> root.mkdir("nope/d", 0755));
    assertTimes(first, first, first, root.stat(""));
    long second = tick();
    root.mkdir("d", 0755);
    assertTimes(first, second, second, root.stat(""));
  }

  @Test
  void theFirstEntrysOwnChangeToTheRootWins() throws Exception {
    long first = tick();
    root.utimens("", time(TimeHow.TIME_SET, 5), time(TimeHow.TIME_SET, 7));
    assertTimes(5, 7, first, root.stat(""));
  }

  @Test
  void laterEntriesAndRestartsLeaveThemAlone() throws Exception {
    long first = tick();
    root.create("f", 0644);
    h.close();
    h = new MetaHarness(dir.resolve("db"));
    root = new TestFs(h, TestFs.ROOT);
    h.advanceNs(STEP_NS * 10);
    root.chmod("f", 0600);
    assertTimes(first, first, first, root.stat(""));
  }

  /** A namespace that applied entries before the root got times keeps 0 (MetaStore#writeTxn). */
  @Test
  void aNamespaceThatAppliedEntriesBeforeKeepsTimesZero() throws Exception {
    h.close();
    Path db = dir.resolve("older");
    try (MetaStore older = MetaStore.open(db)) {
      try (Txn txn = older.writeTxn(0)) { // as every entry was applied before
        older.commit(txn, 1, 1);
      }
    }
    h = new MetaHarness(db);
    root = new TestFs(h, TestFs.ROOT);
    tick();
    root.create("f", 0644);
    Attr r = root.stat("");
    assertEquals(0, r.getAtimeNs());
    assertEquals(h.nowNs(), r.getMtimeNs(), "the create itself changes the root");
  }

  private static void assertTimes(long atimeNs, long mtimeNs, long ctimeNs, Attr a) {
    assertEquals(atimeNs, a.getAtimeNs(), "atime");
    assertEquals(mtimeNs, a.getMtimeNs(), "mtime");
    assertEquals(ctimeNs, a.getCtimeNs(), "ctime");
  }
}
