package io.hearth.server.meta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.BlockRef;
import io.hearth.protocol.meta.Extent;
import io.hearth.protocol.meta.MetaBatch;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.WriteReq;
import io.hearth.server.meta.store.ExtentRecord.BlockKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random writes, truncates, unlinks and GC rounds on a few small files, against a byte model: every
 * block's content is a fixed function of (group, id, offset in the block), so the bytes a file
 * reads, rebuilt from read_map (holes as zeros), must equal the model's after every step. Every so
 * often, and at the end, the block keys must agree with the extents: each 'B' count is the number
 * of extents naming the block, and every block ever written that no extent names is in the GC queue
 * or was collected.
 *
 * <p>Replay a failure with {@code -Dhearth.seed=N}; the seed is printed and in every message.
 */
class ChunkMapModelTest {
  static final int STEPS = 2500;
  static final int COMPARE_ALL_EVERY = 50;
  static final int CHECK_BLOCKS_EVERY = 100;
  static final String[] FILES = {"a", "b", "c"};
  static final int OFF_MAX = 4096;
  static final int LEN_MAX = 600;
  static final int BLOCK_LEN = 2048;
  static final int SIZE_MAX = OFF_MAX + LEN_MAX + 400;

  @TempDir Path dir;

  /** One file as the model sees it: its bytes (zeros past size) and its size. */
  static final class FileModel {
    final byte[] data = new byte[SIZE_MAX];
    int size;

    void write(Extent e) {
      for (int i = 0; i < e.getLen(); i++) {
        data[(int) e.getFileOff() + i] = byteOf(e, i);
      }
      size = Math.max(size, (int) e.getFileOff() + e.getLen());
    }

    void truncate(int newSize) {
      if (newSize < size) {
        Arrays.fill(data, newSize, size, (byte) 0);
      }
      size = newSize;
    }
  }

  /**
   * The byte at {@code off} of block {@code group:id}: a mix of the three, so that any mix-up
   * shows.
   */
  static byte content(int group, long id, long off) {
    long z = group * 0x9E3779B97F4A7C15L + id * 0xBF58476D1CE4E5B9L + off * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 31)) * 0x94D049BB133111EBL;
    return (byte) (z ^ (z >>> 29));
  }

  /** Byte {@code i} of an extent: its inline bytes, or its block's content. */
  static byte byteOf(Extent e, int i) {
    return e.getInline().isEmpty()
        ? content(e.getBlock().getGroup(), e.getBlock().getId(), e.getBlockOff() + i)
        : e.getInline().byteAt(i);
  }

  @Test
  void randomWritesMatchTheByteModel() throws Exception {
    long seed = Long.getLong("hearth.seed", new Random().nextLong());
    System.out.println("ChunkMapModelTest seed " + seed + " (replay: -Dhearth.seed=" + seed + ")");
    Random rnd = new Random(seed);
    try (MetaHarness h = new MetaHarness(dir.resolve("db"))) {
      TestFs fs = new TestFs(h, TestFs.ROOT);
      Map<String, FileModel> files = new TreeMap<>();
      for (String f : FILES) {
        fs.create(f, 0644);
        files.put(f, new FileModel());
      }
      Blocks blocks = new Blocks();
      Map<String, Integer> outcomes = new TreeMap<>();
      for (int i = 1; i <= STEPS; i++) {
        String at = "seed " + seed + " step " + i + ": ";
        h.advanceNs(1 + rnd.nextInt(1_000_000));
        List<String> touched = new ArrayList<>();
        String what = step(rnd, h, fs, files, blocks, touched, at);
        outcomes.merge(what, 1, Integer::sum);
        for (String f : i % COMPARE_ALL_EVERY == 0 ? List.of(FILES) : touched) {
          compare(rnd, fs, f, files.get(f), at + what + ", file " + f);
        }
        if (i % CHECK_BLOCKS_EVERY == 0) {
          blocks.check(h, fs, at);
        }
      }
      blocks.check(h, fs, "seed " + seed + " at the end: ");
      System.out.println("steps: " + outcomes + ", blocks written " + blocks.written.size());
    }
  }

  private static String step(
      Random rnd,
      MetaHarness h,
      TestFs fs,
      Map<String, FileModel> files,
      Blocks blocks,
      List<String> touched,
      String at)
      throws HearthException {
    String f = FILES[rnd.nextInt(FILES.length)];
    touched.add(f);
    FileModel m = files.get(f);
    int r = rnd.nextInt(100);
    if (r < 50) {
      List<Extent> extents = extents(rnd, h, blocks);
      fs.write(TestFs.loc(f), extents);
      extents.forEach(m::write);
      return "write";
    } else if (r < 60) {
      // two writes in one entry: the second sees the first's extents in the txn, not in RocksDB
      String g = FILES[rnd.nextInt(FILES.length)];
      touched.add(g);
      List<Extent> first = extents(rnd, h, blocks);
      List<Extent> second = extents(rnd, h, blocks);
      MetaReply reply =
          h.apply(
              MetaRequest.newBuilder()
                  .setBatch(
                      MetaBatch.newBuilder()
                          .addRequests(write(f, first))
                          .addRequests(write(g, second)))
                  .build());
      for (MetaReply one : reply.getBatch().getRepliesList()) {
        assertEquals(0, one.getErrno(), at + "batched write: " + one.getError());
      }
      first.forEach(m::write);
      second.forEach(files.get(g)::write);
      return "batch";
    } else if (r < 80) {
      int size = rnd.nextInt(4) == 0 ? m.size + rnd.nextInt(200) : rnd.nextInt(m.size + 1);
      fs.truncate(f, Math.min(size, SIZE_MAX));
      m.truncate(Math.min(size, SIZE_MAX));
      return "truncate";
    } else if (r < 85) {
      fs.unlink(f);
      fs.create(f, 0644);
      files.put(f, new FileModel());
      return "recreate";
    } else if (r < 90) {
      List<BlockRef> queued = fs.gcList(1 + rnd.nextInt(8));
      fs.gcDone(queued);
      queued.forEach(b -> blocks.collected.add(new BlockKey(b.getGroup(), b.getId())));
      return "gc";
    } else {
      int off = rnd.nextInt(SIZE_MAX);
      int len = rnd.nextInt(SIZE_MAX);
      List<Extent> got = fs.extents(TestFs.loc(f), off, len, pageMax(rnd));
      int end = Math.min(off + len, m.size);
      if (off < end) {
        byte[] want = Arrays.copyOfRange(m.data, off, end);
        assertArrayEquals(
            want, rebuild(got, off, end - off, at + "read [" + off + ", +" + len + ")"));
      } else {
        assertEquals(List.of(), got, at + "read past the end");
      }
      return "read";
    }
  }

  /** One to four extents, mostly each in a fresh block, sometimes two in the same block. */
  private static List<Extent> extents(Random rnd, MetaHarness h, Blocks blocks) {
    List<Extent> out = new ArrayList<>();
    int n = 1 + (rnd.nextInt(3) == 0 ? rnd.nextInt(4) : 0);
    BlockKey b = null;
    for (int i = 0; i < n; i++) {
      if (rnd.nextInt(4) == 0) { // a small file's data kept inline, mixed with block extents
        int len = 1 + rnd.nextInt(LEN_MAX);
        long id = blocks.nextId++; // a source of bytes only: no block is written
        byte[] bytes = new byte[len];
        for (int k = 0; k < len; k++) {
          bytes[k] = content(0, id, k);
        }
        out.add(
            Extent.newBuilder()
                .setFileOff(rnd.nextInt(OFF_MAX))
                .setLen(len)
                .setInline(com.google.protobuf.ByteString.copyFrom(bytes))
                .build());
        continue;
      }
      if (b == null || rnd.nextInt(3) != 0) {
        b = blocks.fresh(rnd);
      }
      int len = 1 + rnd.nextInt(LEN_MAX);
      long fileOff = rnd.nextInt(OFF_MAX);
      int blockOff = rnd.nextInt(BLOCK_LEN - len);
      out.add(TestFs.extent(fileOff, len, b.group(), b.id(), blockOff, h.nowNs()));
    }
    return out;
  }

  private static MetaRequest.Builder write(String f, List<Extent> extents) {
    return MetaRequest.newBuilder()
        .setWrite(WriteReq.newBuilder().setLoc(TestFs.loc(f)).addAllExtents(extents));
  }

  /** The whole file read back through read_map in random pages, against the model. */
  private static void compare(Random rnd, TestFs fs, String f, FileModel m, String at)
      throws HearthException {
    assertEquals(m.size, fs.stat(f).getSize(), at + " size");
    List<Extent> got = fs.extents(TestFs.loc(f), 0, m.size, pageMax(rnd));
    assertArrayEquals(Arrays.copyOf(m.data, m.size), rebuild(got, 0, m.size, at), at + " bytes");
  }

  /** Pages of any size now and then (more requests, more paging), else whole ranges (0). */
  private static int pageMax(Random rnd) {
    return rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(6) : 0;
  }

  /** The bytes [off, off + len) the extents say, holes as zeros; they must be in order, inside. */
  private static byte[] rebuild(List<Extent> extents, long off, int len, String at) {
    byte[] out = new byte[len];
    long prevEnd = off;
    for (Extent e : extents) {
      assertTrue(e.getFileOff() >= prevEnd && e.getLen() > 0, at + ": extents out of order " + e);
      prevEnd = e.getFileOff() + e.getLen();
      assertTrue(prevEnd <= off + len, at + ": extent past the range " + e);
      for (int i = 0; i < e.getLen(); i++) {
        out[(int) (e.getFileOff() - off) + i] = byteOf(e, i);
      }
    }
    return out;
  }

  /** Every block the test ever wrote, and those the GC collected. */
  static final class Blocks {
    final TreeSet<BlockKey> written = new TreeSet<>();
    final TreeSet<BlockKey> collected = new TreeSet<>();
    long nextId = 1;

    BlockKey fresh(Random rnd) {
      BlockKey b = new BlockKey(1 + rnd.nextInt(2), nextId++);
      written.add(b);
      return b;
    }

    void check(MetaHarness h, TestFs fs, String at) throws HearthException {
      BlockKeys k = BlockKeys.of(h.store());
      assertEquals(k.extents(), k.refs(), at + "'B' counts are the extents naming each block");
      TreeSet<BlockKey> unreferenced = new TreeSet<>(written);
      unreferenced.removeAll(k.extents().keySet());
      TreeSet<BlockKey> waiting = new TreeSet<>(unreferenced);
      waiting.removeAll(collected);
      assertEquals(waiting, k.queued(), at + "queued: every dropped block not yet collected");
      assertTrue(k.extents().keySet().stream().allMatch(written::contains), at + "unknown blocks");
      List<BlockRef> all = written.stream().map(b -> TestFs.block(b.group(), b.id())).toList();
      List<BlockRef> none = new ArrayList<>();
      for (int i = 0; i < all.size(); i += 4096) {
        none.addAll(fs.unreferenced(all.subList(i, Math.min(all.size(), i + 4096))));
      }
      assertEquals(
          unreferenced.stream().map(b -> TestFs.block(b.group(), b.id())).toList(),
          none,
          at + "unreferenced");
    }
  }
}
