package io.hearth.server.meta.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Txn#floor} and the bounded {@link Txn#scan}: what they return must be what a sorted map of
 * the live keys says, whether a key lives in RocksDB, in the txn's own writes, or was deleted by
 * them. Replay a failure with {@code -Dhearth.seed=N}.
 */
class TxnRangeTest {
  @TempDir Path dir;

  @Test
  void floorAndBoundedScanMatchASortedMap() throws Exception {
    long seed = Long.getLong("hearth.seed", new Random().nextLong());
    System.out.println("TxnRangeTest seed " + seed + " (replay: -Dhearth.seed=" + seed + ")");
    Random rnd = new Random(seed);
    try (MetaStore store = MetaStore.open(dir.resolve("db"))) {
      TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
      for (int round = 0; round < 20; round++) {
        try (Txn txn = store.writeTxn(0)) {
          for (int i = 0; i < 40; i++) {
            change(rnd, txn, model);
          }
          store.commit(txn, 1, round);
        }
        try (Txn txn = store.writeTxn(0)) {
          for (int i = 0; i < 20; i++) {
            change(rnd, txn, model); // left uncommitted: only this txn's overlay holds them
          }
          for (int q = 0; q < 200; q++) {
            check(rnd, txn, model, "seed " + seed + " round " + round + " query " + q);
          }
        }
        try (Txn txn = store.writeTxn(0)) {
          model.clear();
          for (Map.Entry<byte[], byte[]> e : txn.scan(new byte[0], null, Integer.MAX_VALUE)) {
            if (e.getKey()[0] == KeySchema.EXTENT) {
              model.put(e.getKey(), e.getValue());
            }
          }
        }
      }
    }
  }

  private static void change(Random rnd, Txn txn, TreeMap<byte[], byte[]> model) {
    byte[] k = key(rnd);
    if (rnd.nextInt(3) == 0) {
      txn.delete(k);
      model.remove(k);
    } else {
      byte[] v = {(byte) rnd.nextInt()};
      txn.put(k, v);
      model.put(k, v);
    }
  }

  private static void check(Random rnd, Txn txn, TreeMap<byte[], byte[]> model, String at) {
    byte[] prefix = KeySchema.extentPrefix(rnd.nextInt(3));
    byte[] k = key(prefix, rnd);
    Map.Entry<byte[], byte[]> want = model.floorEntry(k);
    if (want != null && !Txn.startsWith(want.getKey(), prefix)) {
      want = null;
    }
    Map.Entry<byte[], byte[]> got = txn.floor(prefix, k);
    if (want == null) {
      assertNull(got, at + " floor");
    } else {
      assertArrayEquals(want.getKey(), got.getKey(), at + " floor key");
      assertArrayEquals(want.getValue(), got.getValue(), at + " floor value");
    }

    byte[] after = rnd.nextBoolean() ? null : key(prefix, rnd);
    byte[] end = rnd.nextInt(4) == 0 ? null : key(prefix, rnd);
    int limit = 1 + rnd.nextInt(8);
    List<byte[]> wantKeys = new ArrayList<>();
    for (byte[] m : model.tailMap(after == null ? prefix : after, after == null).keySet()) {
      if (!Txn.startsWith(m, prefix)
          || (end != null && Arrays.compareUnsigned(m, end) >= 0)
          || wantKeys.size() == limit) {
        break;
      }
      wantKeys.add(m);
    }
    List<byte[]> gotKeys =
        txn.scan(prefix, after, end, limit).stream().map(Map.Entry::getKey).toList();
    assertEquals(wantKeys.size(), gotKeys.size(), at + " scan size");
    for (int i = 0; i < wantKeys.size(); i++) {
      assertArrayEquals(wantKeys.get(i), gotKeys.get(i), at + " scan key " + i);
    }
  }

  /** Extent keys of inodes 0..2 at offsets 0..31, so that prefixes border and keys collide. */
  private static byte[] key(Random rnd) {
    return key(KeySchema.extentPrefix(rnd.nextInt(3)), rnd);
  }

  private static byte[] key(byte[] prefix, Random rnd) {
    return KeySchema.extent(ByteBuffer.wrap(prefix, 1, 8).getLong(), rnd.nextInt(32));
  }
}
