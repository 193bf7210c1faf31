package io.hearth.server.meta;

import io.hearth.protocol.meta.Attr;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fresh namespace per test, with root and two ordinary users who share group 100 (alice is
 * 1000:1000, bob 1001:1001).
 */
abstract class SemanticsBase {
  static final int SHARED_GID = 100;
  static final long STEP_NS = 1_000_000;

  @TempDir Path dir;
  MetaHarness h;
  TestFs root;
  TestFs alice;
  TestFs bob;

  @BeforeEach
  void openNamespace() throws Exception {
    h = new MetaHarness(dir.resolve("db"));
    root = new TestFs(h, TestFs.ROOT);
    alice = root.as(1000, 1000, SHARED_GID);
    bob = root.as(1001, 1001, SHARED_GID);
  }

  @AfterEach
  void closeNamespace() {
    h.close();
  }

  /** Moves time on so that the next operation's changes are visible in the times. */
  long tick() {
    h.advanceNs(STEP_NS);
    return h.nowNs();
  }

  /** A directory everyone may write to (no sticky bit), for tests of ordinary users. */
  Attr world(String path) throws Exception {
    root.mkdir(path, 0777);
    return root.chmod(path, 0777);
  }
}
