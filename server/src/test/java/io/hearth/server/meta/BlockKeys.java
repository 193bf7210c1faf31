package io.hearth.server.meta;

import io.hearth.server.meta.store.ExtentRecord;
import io.hearth.server.meta.store.ExtentRecord.BlockKey;
import io.hearth.server.meta.store.KeySchema;
import io.hearth.server.meta.store.MetaStore;
import io.hearth.server.meta.store.Txn;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the store holds about blocks, read straight from its keys: the 'B' reference counts, the
 * extents that refer to each block ('F'), and the GC queue ('Q').
 */
record BlockKeys(
    TreeMap<BlockKey, Long> refs, TreeMap<BlockKey, Long> extents, TreeSet<BlockKey> queued) {
  static BlockKeys of(MetaStore store) {
    TreeMap<BlockKey, Long> refs = new TreeMap<>();
    TreeMap<BlockKey, Long> extents = new TreeMap<>();
    TreeSet<BlockKey> queued = new TreeSet<>();
    try (Txn txn = store.readTxn()) {
      for (Map.Entry<byte[], byte[]> e : all(txn, KeySchema.BLOCK_REFS)) {
        refs.put(key(e.getKey()), ByteBuffer.wrap(e.getValue()).getLong());
      }
      for (Map.Entry<byte[], byte[]> e : all(txn, KeySchema.EXTENT)) {
        BlockKey b = ExtentRecord.decode(e.getKey(), e.getValue()).block();
        if (b != null) { // inline extents refer to no block
          extents.merge(b, 1L, Long::sum);
        }
      }
      for (Map.Entry<byte[], byte[]> e : all(txn, KeySchema.GC_QUEUE)) {
        queued.add(key(e.getKey()));
      }
    }
    return new BlockKeys(refs, extents, queued);
  }

  /** The 'B' count of one block, 0 when it has no key. */
  long refsOf(int group, long id) {
    return refs.getOrDefault(new BlockKey(group, id), 0L);
  }

  boolean isQueued(int group, long id) {
    return queued.contains(new BlockKey(group, id));
  }

  private static java.util.List<Map.Entry<byte[], byte[]>> all(Txn txn, byte kind) {
    return txn.scan(new byte[] {kind}, null, Integer.MAX_VALUE);
  }

  private static BlockKey key(byte[] k) {
    return new BlockKey(KeySchema.blockGroup(k), KeySchema.blockId(k));
  }
}
