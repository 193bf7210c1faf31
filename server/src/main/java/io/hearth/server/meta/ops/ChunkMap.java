package io.hearth.server.meta.ops;

import io.hearth.server.meta.store.ExtentRecord;
import io.hearth.server.meta.store.ExtentRecord.BlockKey;
import io.hearth.server.meta.store.KeySchema;
import io.hearth.server.meta.store.MetaStore;
import io.hearth.server.meta.store.Txn;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one place that edits chunk maps ({@link KeySchema#extent} keys) and block reference counts
 * ({@link KeySchema#blockRefs}, {@link KeySchema#gcQueue}), through one operation's {@link Txn}.
 *
 * <p>Invariants it keeps: the extents of a file never overlap, and a hole is an absent key; a
 * block's 'B' count is the number of extents, over all files, that refer to it, and the key is
 * absent when that number is 0; a block whose count falls to 0 gets a 'Q' key at that moment, so
 * the GC deletes it from its data group.
 *
 * <p>Reference changes are summed per block while the operation edits and written by {@link
 * #settle}, which the operation must call once at the end. A block that is dropped and referenced
 * again by the same operation (a write that replaces bytes of a block with other bytes of the same
 * block) thus never passes through 0 and is never queued while still in use. Blocks are settled in
 * (group, id) order, so every replica writes the same keys.
 */
final class ChunkMap {
  private static final byte[] EMPTY = new byte[0];

  private final Txn txn;
  private final TreeMap<BlockKey, Long> deltas = new TreeMap<>();

  ChunkMap(Txn txn) {
    this.txn = txn;
  }

  /** Makes {@code e} the content of its range of file {@code ino}, replacing what was there. */
  void put(long ino, ExtentRecord e) {
    cut(ino, e.fileOff(), e.end());
    txn.put(KeySchema.extent(ino, e.fileOff()), e.encodeValue());
    ref(e.block(), 1);
  }

  /** Drops every byte of file {@code ino} from {@code size} on. */
  void truncate(long ino, long size) {
    cut(ino, size, Long.MAX_VALUE);
  }

  /** Drops the whole chunk map of {@code ino}, whose inode is going away. */
  void dropAll(long ino) {
    cut(ino, 0, Long.MAX_VALUE);
  }

  /**
   * Writes the reference counts this edit changed: a count that reaches 0 deletes its 'B' key and
   * queues the block for GC, and so does a block the edit referenced and dropped again (a write
   * whose later extent covers an earlier one entirely), which no extent ever kept.
   *
   * @throws IllegalStateException when a count would go negative, or a block queued for GC would be
   *     referenced again (WriteOp refuses such blocks first): the store is inconsistent
   */
  void settle() {
    for (Map.Entry<BlockKey, Long> d : deltas.entrySet()) {
      BlockKey b = d.getKey();
      long before = refs(txn, b);
      long after = before + d.getValue();
      byte[] key = KeySchema.blockRefs(b.group(), b.id());
      if (after < 0) {
        throw new IllegalStateException("block " + b + " would have " + after + " references");
      }
      if (after == 0) {
        // also a block this edit referenced and dropped again: nothing else will ever free it
        if (before != 0) {
          txn.delete(key);
        }
        txn.put(KeySchema.gcQueue(b.group(), b.id()), EMPTY);
      } else if (after != before) {
        if (before == 0 && queued(txn, b)) {
          throw new IllegalStateException("block " + b + " is queued for GC and referenced again");
        }
        txn.put(key, MetaStore.longBytes(after));
      }
    }
    deltas.clear();
  }

  /**
   * Removes [from, to) from the map: extents inside go, one straddling an edge is trimmed to the
   * part outside, and one straddling both edges is split in two, which adds a reference to its
   * block.
   */
  private void cut(long ino, long from, long to) {
    for (ExtentRecord o : overlapping(txn, ino, from, to, Integer.MAX_VALUE)) {
      boolean left = o.fileOff() < from;
      boolean right = o.end() > to;
      if (left) {
        txn.put(KeySchema.extent(ino, o.fileOff()), o.slice(o.fileOff(), from).encodeValue());
      } else {
        txn.delete(KeySchema.extent(ino, o.fileOff()));
      }
      if (right) {
        txn.put(KeySchema.extent(ino, to), o.slice(to, o.end()).encodeValue());
      }
      ref(o.block(), (left ? 1 : 0) + (right ? 1 : 0) - 1);
    }
  }

  /** Counts a reference change; inline extents (no block) count nothing. */
  private void ref(BlockKey b, int delta) {
    if (b != null && delta != 0) {
      deltas.merge(b, (long) delta, Long::sum);
    }
  }

  /**
   * Up to {@code limit} extents of file {@code ino} that overlap [from, to), in file order,
   * unclipped. Only the extent just before {@code from} may begin before it (extents do not
   * overlap), so one floor lookup and one scan bounded by {@code to} find them all.
   */
  static List<ExtentRecord> overlapping(Txn txn, long ino, long from, long to, int limit) {
    List<ExtentRecord> out = new ArrayList<>();
    if (from >= to || limit <= 0) {
      return out;
    }
    byte[] prefix = KeySchema.extentPrefix(ino);
    Map.Entry<byte[], byte[]> floor = txn.floor(prefix, KeySchema.extent(ino, from));
    byte[] after = null;
    if (floor != null) {
      ExtentRecord e = ExtentRecord.decode(floor.getKey(), floor.getValue());
      if (e.end() > from) {
        out.add(e);
      }
      after = floor.getKey();
    }
    if (out.size() < limit) {
      for (Map.Entry<byte[], byte[]> kv :
          txn.scan(prefix, after, KeySchema.extent(ino, to), limit - out.size())) {
        out.add(ExtentRecord.decode(kv.getKey(), kv.getValue()));
      }
    }
    return out;
  }

  /** How many extents refer to a block (0 when it has no 'B' key). */
  static long refs(Txn txn, BlockKey b) {
    byte[] v = txn.get(KeySchema.blockRefs(b.group(), b.id()));
    return v == null ? 0 : ByteBuffer.wrap(v).getLong();
  }

  /** Whether a block is waiting in the GC queue, to be deleted from its data group. */
  static boolean queued(Txn txn, BlockKey b) {
    return txn.get(KeySchema.gcQueue(b.group(), b.id())) != null;
  }
}
