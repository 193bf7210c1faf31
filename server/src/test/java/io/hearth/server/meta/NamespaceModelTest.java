package io.hearth.server.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random operations over a tiny name space (so that names collide, links alias and renames cross),
 * applied to Hearth and to {@link FsModel}: every step must give the same errno, and every so often
 * the whole trees must match, along with what the store holds (inode count, key count).
 *
 * <p>Replay a failure with {@code -Dhearth.seed=N}; the seed is printed and in every message.
 */
class NamespaceModelTest {
  static final int STEPS = 4000;
  static final int COMPARE_EVERY = 100;
  static final String[] NAMES = {"a", "b", "c"};
  static final String[] XATTRS = {"user.a", "user.b", "trusted.c"};
  static final long FILES_MAX = 1L << 40;

  @TempDir Path dir;

  /** One random operation, as the model and as Hearth see it. */
  record Step(String what, TestFs.Call onModel, TestFs.Call onHearth) {}

  @Test
  void randomOperationsMatchTheModel() throws Exception {
    long seed = Long.getLong("hearth.seed", new Random().nextLong());
    System.out.println("NamespaceModelTest seed " + seed + " (replay: -Dhearth.seed=" + seed + ")");
    Random rnd = new Random(seed);
    try (MetaHarness h = new MetaHarness(dir.resolve("db"))) {
      TestFs fs = new TestFs(h, TestFs.ROOT);
      FsModel m = new FsModel();
      Map<String, Integer> outcomes = new TreeMap<>();
      for (int i = 1; i <= STEPS; i++) {
        h.advanceNs(1 + rnd.nextInt(1_000_000));
        Step s = step(rnd, m, fs);
        Errno want = TestFs.errnoOf(s.onModel());
        Errno got = TestFs.errnoOf(s.onHearth());
        assertEquals(want, got, "seed " + seed + " step " + i + ": " + s.what());
        outcomes.merge(s.what().split(" ")[0] + " " + (got == null ? "ok" : got), 1, Integer::sum);
        if (i % COMPARE_EVERY == 0) {
          h.keeperStep(); // orphans no session holds open go, as the leader reaps them
          compare(seed, i, m, fs);
        }
      }
      System.out.println("outcomes: " + outcomes);
    }
  }

  private static void compare(long seed, int step, FsModel m, TestFs fs) throws HearthException {
    String at = "seed " + seed + " step " + step + ": ";
    TreeDump want = TreeDump.of(m);
    TreeDump got = TreeDump.of(fs);
    assertEquals(want.paths(), got.paths(), at + "trees differ");
    assertEquals(want.inodes(), FILES_MAX - fs.statfs().getFilesFree(), at + "inode count");
    // every inode, two keys per entry, every xattr, and the inode counter: nothing leaked
    long keys = want.inodes() + 2L * want.entries() + want.xattrs() + 1;
    assertEquals(keys, fs.harness().store().digest().keys(), at + "keys in the store");
  }

  private static Step step(Random rnd, FsModel m, TestFs fs) {
    List<String> p = path(rnd);
    String ps = String.join("/", p);
    int r = rnd.nextInt(100);
    if (r < 14) {
      int mode = rnd.nextInt(01000);
      return new Step("mkdir " + ps, () -> m.mkdir(p, mode), () -> fs.mkdir(ps, mode));
    } else if (r < 28) {
      int mode = rnd.nextInt(010000);
      return new Step(
          "create " + ps, () -> m.create(p, mode), () -> fs.mknod(ps, FileMode.S_IFREG | mode, 0));
    } else if (r < 38) {
      return new Step("unlink " + ps, () -> m.unlink(p), () -> fs.unlink(ps));
    } else if (r < 48) {
      return new Step("rmdir " + ps, () -> m.rmdir(p), () -> fs.rmdir(ps));
    } else if (r < 68) {
      List<String> q = path(rnd);
      String qs = String.join("/", q);
      int flags = rnd.nextInt(10) < 6 ? 0 : rnd.nextInt(4);
      return new Step(
          "rename " + ps + " " + qs + " flags " + flags,
          () -> m.rename(p, q, flags),
          () -> fs.rename(ps, qs, flags));
    } else if (r < 76) {
      List<String> q = path(rnd);
      String qs = String.join("/", q);
      return new Step("link " + ps + " " + qs, () -> m.link(p, q), () -> fs.link(ps, qs));
    } else if (r < 84) {
      String target = (rnd.nextInt(4) == 0 ? "/" : "") + String.join("/", path(rnd));
      String t = target.isEmpty() ? "." : target;
      return new Step("symlink " + t + " " + ps, () -> m.symlink(t, p), () -> fs.symlink(t, ps));
    } else if (r < 89) {
      int mode = rnd.nextInt(010000);
      return new Step(
          "chmod " + ps + " 0" + Integer.toOctalString(mode),
          () -> m.chmod(p, mode),
          () -> fs.chmod(ps, mode));
    } else if (r < 96) {
      String name = XATTRS[rnd.nextInt(XATTRS.length)];
      byte[] value = new byte[rnd.nextInt(8)];
      rnd.nextBytes(value);
      int flags = rnd.nextInt(3);
      return new Step(
          "setxattr " + ps + " " + name + " flags " + flags,
          () -> m.setxattr(p, name, value, flags),
          () -> fs.setxattr(ps, name, value, flags));
    } else {
      String name = XATTRS[rnd.nextInt(XATTRS.length)];
      return new Step(
          "removexattr " + ps + " " + name,
          () -> m.removexattr(p, name),
          () -> fs.removexattr(ps, name));
    }
  }

  /** Mostly one to three of a, b, c; now and then ".", "..", or no name at all. */
  private static List<String> path(Random rnd) {
    List<String> p = new ArrayList<>();
    if (rnd.nextInt(50) == 0) {
      return p;
    }
    int depth = 1 + rnd.nextInt(3);
    for (int i = 0; i < depth; i++) {
      int r = rnd.nextInt(25);
      p.add(r == 0 ? "." : r == 1 ? ".." : NAMES[rnd.nextInt(NAMES.length)]);
    }
    return p;
  }
}
