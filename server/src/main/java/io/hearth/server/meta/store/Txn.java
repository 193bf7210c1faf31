package io.hearth.server.meta.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;

/**
 * The view one operation has of the namespace: reads see the operation's own writes first, then
 * RocksDB as of one snapshot. Writes stay in memory until {@link MetaStore#commit} turns them into
 * one WriteBatch. Not thread-safe: one operation, one thread. Close it to release the snapshot.
 */
public final class Txn implements AutoCloseable {
  private static final byte[] TOMBSTONE = new byte[0];

  private final RocksDB db;
  private final ReadOptions readOptions;
  private final Runnable release;
  private final TreeMap<byte[], byte[]> writes = new TreeMap<>(Arrays::compareUnsigned);

  /** (key, value before the write or null) for every write, so a batch can undo one request. */
  private final List<Map.Entry<byte[], byte[]>> undo = new ArrayList<>();

  Txn(RocksDB db, ReadOptions readOptions, Runnable release) {
    this.db = db;
    this.readOptions = readOptions;
    this.release = release;
  }

  /** The value of {@code key}, or null when absent. */
  public byte[] get(byte[] key) {
    byte[] w = writes.get(key);
    if (w != null) {
      return w == TOMBSTONE ? null : w;
    }
    try {
      return db.get(readOptions, key);
    } catch (RocksDBException e) {
      throw new StoreException("read failed", e);
    }
  }

  public void put(byte[] key, byte[] value) {
    remember(key, writes.put(key, value));
  }

  public void delete(byte[] key) {
    remember(key, writes.put(key, TOMBSTONE));
  }

  private void remember(byte[] key, byte[] previous) {
    undo.add(new java.util.AbstractMap.SimpleEntry<>(key, previous));
  }

  /** A point to roll back to: the writes made so far. */
  public int mark() {
    return undo.size();
  }

  /** Undoes every write made after {@code mark}, newest first. */
  public void rollback(int mark) {
    for (int i = undo.size() - 1; i >= mark; i--) {
      Map.Entry<byte[], byte[]> u = undo.remove(i);
      if (u.getValue() == null) {
        writes.remove(u.getKey());
      } else {
        writes.put(u.getKey(), u.getValue());
      }
    }
  }

  public boolean hasWrites() {
    return !writes.isEmpty();
  }

  /** Whether any live key starts with {@code prefix}. */
  public boolean anyWithPrefix(byte[] prefix) {
    return !scan(prefix, null, 1).isEmpty();
  }

  /**
   * Up to {@code limit} live entries whose key starts with {@code prefix} and is greater than
   * {@code afterKey} (from the start of the prefix when null), in key order.
   */
  public List<Map.Entry<byte[], byte[]>> scan(byte[] prefix, byte[] afterKey, int limit) {
    return scan(prefix, afterKey, null, limit);
  }

  /**
   * As {@link #scan(byte[], byte[], int)}, and stopping before {@code endKey} (exclusive; at the
   * end of the prefix when null), so that a range scan reads nothing past its range.
   */
  public List<Map.Entry<byte[], byte[]>> scan(
      byte[] prefix, byte[] afterKey, byte[] endKey, int limit) {
    List<Map.Entry<byte[], byte[]>> out = new ArrayList<>();
    byte[] end = KeySchema.prefixEnd(prefix);
    if (endKey != null && (end == null || Arrays.compareUnsigned(endKey, end) < 0)) {
      end = endKey;
    }
    byte[] from = afterKey == null ? prefix : afterKey;
    if (end != null && Arrays.compareUnsigned(from, end) >= 0) {
      return out;
    }
    var pending =
        (end == null
                ? writes.tailMap(from, afterKey == null)
                : writes.subMap(from, afterKey == null, end, false))
            .entrySet()
            .iterator();
    Map.Entry<byte[], byte[]> w = pending.hasNext() ? pending.next() : null;
    try (Bounded b = new Bounded(prefix, end)) {
      RocksIterator it = b.it;
      it.seek(from);
      while (out.size() < limit) {
        byte[] k = null;
        if (it.isValid()) {
          byte[] key = it.key();
          if (startsWith(key, prefix) && (end == null || Arrays.compareUnsigned(key, end) < 0)) {
            k = key;
            if (afterKey != null && Arrays.equals(k, afterKey)) {
              it.next();
              continue;
            }
          }
        }
        if (w != null && (k == null || Arrays.compareUnsigned(w.getKey(), k) <= 0)) {
          boolean same = k != null && Arrays.equals(w.getKey(), k);
          if (w.getValue() != TOMBSTONE) {
            out.add(Map.entry(w.getKey(), w.getValue()));
          }
          if (same) {
            it.next();
          }
          w = pending.hasNext() ? pending.next() : null;
        } else if (k != null) {
          out.add(Map.entry(k, it.value()));
          it.next();
        } else {
          break;
        }
      }
    }
    return out;
  }

  /**
   * The live entry with the greatest key that starts with {@code prefix} and is at most {@code
   * key}, or null: where a range scan starts when the entry covering its first key may begin before
   * it. {@code key} must start with {@code prefix}.
   */
  public Map.Entry<byte[], byte[]> floor(byte[] prefix, byte[] key) {
    if (!startsWith(key, prefix)) {
      throw new IllegalArgumentException("floor key outside its prefix");
    }
    Map.Entry<byte[], byte[]> w = writes.floorEntry(key);
    while (w != null && startsWith(w.getKey(), prefix) && w.getValue() == TOMBSTONE) {
      w = writes.lowerEntry(w.getKey());
    }
    if (w != null && !startsWith(w.getKey(), prefix)) {
      w = null;
    }
    Map.Entry<byte[], byte[]> d = null;
    try (Bounded b = new Bounded(prefix, KeySchema.prefixEnd(prefix))) {
      RocksIterator it = b.it;
      // a key this txn wrote is decided by the overlay: live ones are at most w, deleted ones gone
      for (it.seekForPrev(key); it.isValid() && startsWith(it.key(), prefix); it.prev()) {
        byte[] k = it.key();
        if (!writes.containsKey(k)) {
          d = Map.entry(k, it.value());
          break;
        }
      }
    }
    if (w == null) {
      return d;
    }
    if (d == null || Arrays.compareUnsigned(w.getKey(), d.getKey()) > 0) {
      return Map.entry(w.getKey(), w.getValue());
    }
    return d;
  }

  /**
   * An iterator that RocksDB keeps inside [lower, upper) (no upper bound when null). Without the
   * bounds, a seek or step that meets deleted keys goes on over them until it finds a live one, and
   * deleted keys pile up where files are rewritten or removed: a seekForPrev into an empty range
   * would walk back through every deleted extent of older inodes.
   */
  private final class Bounded implements AutoCloseable {
    private final Slice lower;
    private final Slice upper;
    private final ReadOptions options;
    final RocksIterator it;

    Bounded(byte[] lower, byte[] upper) {
      this.lower = new Slice(lower);
      this.upper = upper == null ? null : new Slice(upper);
      this.options = new ReadOptions(readOptions).setIterateLowerBound(this.lower);
      if (this.upper != null) {
        options.setIterateUpperBound(this.upper);
      }
      this.it = db.newIterator(options);
    }

    @Override
    public void close() {
      it.close();
      options.close();
      lower.close();
      if (upper != null) {
        upper.close();
      }
    }
  }

  void writeTo(WriteBatch batch) throws RocksDBException {
    for (Map.Entry<byte[], byte[]> e : writes.entrySet()) {
      if (e.getValue() == TOMBSTONE) {
        batch.delete(e.getKey());
      } else {
        batch.put(e.getKey(), e.getValue());
      }
    }
  }

  static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length
        && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }

  @Override
  public void close() {
    release.run();
  }
}
