package io.hearth.client.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hearth.client.FileBytes;
import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import io.hearth.client.InProcessCluster;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * One node's data disk (a 160 MiB tmpfs) fills up while files are written. Writes then fail with
 * ENOSPC, never silently with fewer replicas; every file closed before reads back exactly, the file
 * being written when space ran out reads back as a prefix of what was written, and the cluster
 * keeps serving reads and namespace changes. Needs root (mount); skipped otherwise.
 */
class FullDiskTest {
  private static final int MIB = 1 << 20;

  @Test
  void fullDiskGivesEnospcAndKeepsServing() throws Exception {
    Path mnt = Files.createTempDirectory("hearth-full");
    boolean mounted = run("mount", "-t", "tmpfs", "-o", "size=160m", "tmpfs", mnt.toString());
    assumeTrue(mounted, "needs root to mount a tmpfs");
    long seed = System.nanoTime();
    System.out.println("FullDiskTest seed=" + seed);
    Random rnd = new Random(seed);
    try (InProcessCluster c =
            new InProcessCluster(
                3,
                Map.of("data.reserve.bytes", String.valueOf(32 * MIB)),
                i -> i == 3 ? mnt : null);
        HearthClient h = HearthClient.connect(c.spec())) {
      List<byte[]> closed = new ArrayList<>();
      HearthException enospc = null;
      byte[] partial = null;
      for (int i = 0; i < 20 && enospc == null; i++) {
        byte[] data = new byte[16 * MIB];
        rnd.nextBytes(data);
        try (HearthFile f = h.open("/f" + i, HearthFile.O_WRONLY | HearthFile.O_CREAT, 0644)) {
          for (int off = 0; off < data.length; off += MIB) {
            f.write(ByteBuffer.wrap(data, off, MIB));
          }
          f.close();
          closed.add(data);
        } catch (HearthException e) {
          enospc = e;
          partial = data;
        }
      }
      assertTrue(enospc != null, "the small disk never filled");
      assertEquals(Errno.ENOSPC, enospc.errno(), enospc.getMessage());
      System.out.println("FullDiskTest: " + closed.size() + " files closed, then " + enospc);
      for (int i = 0; i < closed.size(); i++) {
        assertArrayEquals(closed.get(i), FileBytes.read(h, "/f" + i), "/f" + i);
      }
      byte[] got = FileBytes.read(h, "/f" + closed.size());
      assertArrayEquals(Arrays.copyOf(partial, got.length), got, "the failed file holds a prefix");
      h.mkdir("/still-works", 0755);
      assertTrue(h.vfs().blocks().nodeStats().containsKey("n3"), "the full node still answers");
    } finally {
      run("umount", "-l", mnt.toString());
      Files.deleteIfExists(mnt);
    }
  }

  private static boolean run(String... cmd) {
    try {
      return new ProcessBuilder(cmd).inheritIO().start().waitFor() == 0;
    } catch (Exception e) {
      return false;
    }
  }
}
