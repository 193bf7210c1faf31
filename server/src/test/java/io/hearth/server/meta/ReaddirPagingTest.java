package io.hearth.server.meta;

import static io.hearth.server.meta.TestFs.assertErrno;
import static io.hearth.server.meta.TestFs.loc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.meta.DirEntry;
import io.hearth.protocol.meta.ReaddirReply;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** readdir in pages: complete, no repeats, cookies stable while the directory changes. */
class ReaddirPagingTest extends SemanticsBase {
  static final int BIG = 100_000;

  @Test
  void hundredThousandEntriesListExactlyOnce() throws Exception {
    root.mkdir("big", 0755);
    for (int i = 0; i < BIG; i++) {
      root.create("big/f" + i, 0644);
    }
    List<DirEntry> all = root.list(loc("big"), 1000);
    assertEquals(BIG, all.size());
    Set<String> names = new HashSet<>();
    for (DirEntry e : all) {
      assertTrue(names.add(e.getName().toStringUtf8()), "repeated " + e.getName().toStringUtf8());
    }
    assertEquals(BIG, root.list(loc("big"), 0).size(), "default page size");
  }

  @Test
  void entriesCreatedDuringAListingAreNotRepeated() throws Exception {
    root.mkdir("d", 0755);
    for (int i = 0; i < 500; i++) {
      root.create("d/a" + i, 0644);
    }
    Set<String> seen = new HashSet<>();
    long cookie = 0;
    int created = 0;
    while (true) {
      ReaddirReply page = root.readdir(loc("d"), cookie, 37, false);
      for (DirEntry e : page.getEntriesList()) {
        assertTrue(seen.add(e.getName().toStringUtf8()), "repeated " + e.getName().toStringUtf8());
      }
      if (page.getEof()) {
        break;
      }
      cookie = page.getEntries(page.getEntriesCount() - 1).getCookie();
      root.create("d/new" + created++, 0644);
      root.unlink("d/a" + (created * 3)); // removed ahead of the listing: may simply not show
    }
    for (int i = 0; i < 500; i++) {
      boolean removed = i % 3 == 0 && i > 0 && i <= created * 3;
      assertTrue(
          removed || seen.contains("a" + i), "entry that existed all along was skipped: a" + i);
    }
  }

  @Test
  void plusCarriesAttributesAndTypes() throws Exception {
    root.mkdir("d", 0755);
    root.create("d/f", 0640);
    root.mkdir("d/s", 0700);
    ReaddirReply r = root.readdir(loc("d"), 0, 10, true);
    assertTrue(r.getEof());
    assertEquals(2, r.getEntriesCount());
    for (DirEntry e : r.getEntriesList()) {
      assertEquals(e.getIno(), e.getAttr().getIno());
      assertEquals(FileMode.type(e.getAttr().getMode()), e.getMode());
    }
  }

  @Test
  void readdirErrnos() throws Exception {
    root.create("f", 0644);
    assertErrno(Errno.ENOTDIR, () -> root.readdir(loc("f"), 0, 10, false));
    assertErrno(Errno.ENOENT, () -> root.readdir(loc("nope"), 0, 10, false));
  }
}
