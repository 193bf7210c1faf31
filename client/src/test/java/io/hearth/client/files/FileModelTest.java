package io.hearth.client.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hearth.client.FileBytes;
import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import io.hearth.client.InProcessCluster;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random writes, overwrites, truncates and reads over several files through the real client and a
 * real 3-node cluster, compared with an in-memory model after every step. Files are closed and
 * reopened now and then, and read through a second client (another "node") after close, which
 * checks close-to-open. Replay a failure with -Dhearth.seed=N.
 */
class FileModelTest {
  private static final int FILES = 3;
  private static final int STEPS = Integer.getInteger("hearth.steps", 400);
  private static final int SIZE_MAX = 12 << 20;

  /** One file's expected bytes. */
  private static final class Model {
    byte[] data = new byte[0];

    void write(long off, byte[] src) {
      int end = (int) off + src.length;
      if (end > data.length) {
        data = Arrays.copyOf(data, end);
      }
      System.arraycopy(src, 0, data, (int) off, src.length);
    }

    void truncate(long size) {
      data = Arrays.copyOf(data, (int) size);
    }
  }

  @Test
  void randomOperationsMatchTheModel() throws Exception {
    long seed = Long.getLong("hearth.seed", System.nanoTime());
    System.out.println("FileModelTest seed=" + seed + " (replay with -Dhearth.seed=" + seed + ")");
    Random rnd = new Random(seed);
    try (InProcessCluster c = new InProcessCluster(3);
        HearthClient a = HearthClient.connect(c.spec());
        HearthClient b = HearthClient.connect(c.spec())) {
      List<Model> models = new ArrayList<>();
      List<HearthFile> handles = new ArrayList<>();
      for (int i = 0; i < FILES; i++) {
        models.add(new Model());
        handles.add(a.open(path(i), HearthFile.O_RDWR | HearthFile.O_CREAT, 0644));
      }
      for (int step = 0; step < STEPS; step++) {
        int i = rnd.nextInt(FILES);
        Model m = models.get(i);
        HearthFile f = handles.get(i);
        int op = rnd.nextInt(100);
        String what;
        if (op < 45) {
          long off = rnd.nextInt(Math.max(1, Math.min(SIZE_MAX, m.data.length + (1 << 20))));
          int len = rnd.nextInt(10) == 0 ? rnd.nextInt(6 << 20) + 1 : rnd.nextInt(70_000) + 1;
          len = (int) Math.min(len, SIZE_MAX - off);
          byte[] src = new byte[len];
          rnd.nextBytes(src);
          f.pwrite(ByteBuffer.wrap(src), off);
          m.write(off, src);
          what = "pwrite " + off + "+" + len;
        } else if (op < 75) {
          long off = rnd.nextInt(Math.max(1, m.data.length + 100_000));
          int len = rnd.nextInt(300_000) + 1;
          checkRange(f, m, off, len, step);
          what = "pread " + off + "+" + len;
        } else if (op < 83) {
          long size = rnd.nextInt(Math.max(1, Math.min(SIZE_MAX, m.data.length * 2 + 1000)));
          f.truncate(size);
          m.truncate(size);
          what = "truncate " + size;
        } else if (op < 88) {
          f.fsync();
          what = "fsync";
        } else if (op < 96) {
          f.close();
          checkWhole(b, i, m, step); // another client sees what was closed (close-to-open)
          f = a.open(path(i), HearthFile.O_RDWR, 0);
          handles.set(i, f);
          what = "close+reopen";
        } else {
          f.close();
          a.unlink(path(i));
          m.truncate(0);
          f = a.open(path(i), HearthFile.O_RDWR | HearthFile.O_CREAT | HearthFile.O_EXCL, 0644);
          handles.set(i, f);
          what = "unlink+create";
        }
        assertEquals(m.data.length, f.size(), "step " + step + " " + what + ": size");
        assertEquals(m.data.length, a.stat(path(i)).size(), "step " + step + ": stat size");
      }
      for (int i = 0; i < FILES; i++) {
        handles.get(i).close();
        checkWhole(b, i, models.get(i), STEPS);
      }
    }
  }

  private static String path(int i) {
    return "/f" + i;
  }

  private static void checkRange(HearthFile f, Model m, long off, int len, int step)
      throws Exception {
    ByteBuffer buf = ByteBuffer.allocate(len);
    int n = f.pread(buf, off);
    int expect = (int) Math.max(0, Math.min(len, m.data.length - off));
    if (expect == 0) {
      assertEquals(len == 0 ? 0 : -1, n, "step " + step + ": read at/after EOF");
      return;
    }
    assertEquals(expect, n, "step " + step + ": read count at " + off);
    assertArrayEquals(
        Arrays.copyOfRange(m.data, (int) off, (int) off + n),
        Arrays.copyOf(buf.array(), n),
        "step " + step + ": bytes at " + off);
  }

  private static void checkWhole(HearthClient client, int i, Model m, int step) throws Exception {
    byte[] got = FileBytes.read(client, path(i));
    assertEquals(m.data.length, got.length, "step " + step + ": size seen by another client");
    assertArrayEquals(m.data, got, "step " + step + ": content seen by another client");
  }
}
