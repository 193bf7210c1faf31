package io.hearth.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workload harness itself, on a local directory: a correct file system gives no errors and a
 * clean verification, and a file changed behind the workload's back, or one added, is reported.
 */
@Timeout(120)
class WorkloadTest {
  @TempDir Path tmp;

  @Test
  void localDiskHasNoErrorsAndTamperingIsFound() throws Exception {
    long seed = Long.getLong("hearth.seed", System.nanoTime());
    Workload.Verification v;
    try (Workload w = Workload.start(tmp, seed, Workload.Options.defaults())) {
      Thread.sleep(2000);
      w.stop();
      System.out.println(w.summary());
      assertEquals(0, w.errors(), w.failures().toString());
      assertTrue(w.opsDone() > 20, w.summary());
      v = w.verify();
      assertTrue(v.mismatches().isEmpty(), v.toString());
      assertTrue(v.files() > 0 && v.dirs() >= 3, v.toString());

      Path victim = someFile(tmp);
      byte[] b = Files.readAllBytes(victim);
      Files.write(victim, b.length == 0 ? new byte[] {1} : flipFirst(b));
      Files.writeString(tmp.resolve("w0/stray"), "not the workload's");
      v = w.verify();
    }
    System.out.println(v);
    assertEquals(2, v.mismatches().size(), v.toString());
    String rel = tmp.relativize(someFile(tmp)).toString();
    assertTrue(v.mismatches().stream().anyMatch(m -> m.startsWith(rel + ": read ")), v.toString());
    assertTrue(
        v.mismatches().stream()
            .anyMatch(m -> m.startsWith("w0: listing: missing [], unexpected [stray]")),
        v.toString());
  }

  private static Path someFile(Path root) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      List<Path> files =
          s.filter(Files::isRegularFile).filter(p -> !p.endsWith("stray")).sorted().toList();
      return files.getFirst();
    }
  }

  private static byte[] flipFirst(byte[] b) {
    b[0] ^= 1;
    return b;
  }
}
