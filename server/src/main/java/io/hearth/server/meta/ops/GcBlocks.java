package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.BlockRef;
import io.hearth.server.meta.store.ExtentRecord.BlockKey;
import java.util.List;

/**
 * What the GC ops share. They serve the servers' own garbage collector, not file system users: only
 * root may call them (EPERM), and a request names at most {@link #MAX} blocks (E2BIG).
 */
final class GcBlocks {
  /** Most blocks one GC request lists or names. */
  static final int MAX = 4096;

  private GcBlocks() {}

  static void checkRoot(OpContext ctx) throws HearthException {
    if (!ctx.isRoot()) {
      throw new HearthException(Errno.EPERM, "block GC is root's");
    }
  }

  static void checkCount(List<BlockRef> blocks) throws HearthException {
    if (blocks.size() > MAX) {
      throw new HearthException(Errno.E2BIG, blocks.size() + " blocks in one request");
    }
  }

  static BlockKey key(BlockRef b) {
    return new BlockKey(b.getGroup(), b.getId());
  }

  static BlockRef ref(int group, long id) {
    return BlockRef.newBuilder().setGroup(group).setId(id).build();
  }
}
