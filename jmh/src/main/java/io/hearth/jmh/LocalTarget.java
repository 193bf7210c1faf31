package io.hearth.jmh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.stream.Stream;

/** java.nio on a directory of the local disk: the baseline. */
final class LocalTarget implements Target {
  private final Path root;

  LocalTarget() throws IOException {
    Path base =
        Path.of(System.getProperty("hearth.bench.localDir", System.getProperty("java.io.tmpdir")));
    Files.createDirectories(base);
    root = Files.createTempDirectory(base, "hearth-bench-local");
  }

  private Path p(String path) {
    return root.resolve(path.substring(1));
  }

  @Override
  public void mkdir(String path) throws IOException {
    Files.createDirectory(p(path));
  }

  @Override
  public void create(String path) throws IOException {
    Files.createFile(p(path));
  }

  @Override
  public void stat(String path) throws IOException {
    Files.readAttributes(p(path), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
  }

  @Override
  public void rename(String from, String to) throws IOException {
    Files.move(p(from), p(to), StandardCopyOption.ATOMIC_MOVE);
  }

  @Override
  public void unlink(String path) throws IOException {
    Files.delete(p(path));
  }

  @Override
  public void close() throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
