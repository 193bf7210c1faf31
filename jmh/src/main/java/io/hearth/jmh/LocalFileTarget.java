package io.hearth.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** java.nio FileChannel on a directory of the local disk: the baseline. */
final class LocalFileTarget implements FileTarget {
  private final Path root;

  LocalFileTarget() throws IOException {
    Path base =
        Path.of(System.getProperty("hearth.bench.localDir", System.getProperty("java.io.tmpdir")));
    Files.createDirectories(base);
    root = Files.createTempDirectory(base, "hearth-bench-files");
  }

  private Path p(String path) {
    return root.resolve(path.substring(1));
  }

  @Override
  public Handle create(String path) throws IOException {
    return new LocalHandle(
        FileChannel.open(
            p(path),
            StandardOpenOption.WRITE,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING));
  }

  @Override
  public Handle openRead(String path) throws IOException {
    return new LocalHandle(FileChannel.open(p(path), StandardOpenOption.READ));
  }

  @Override
  public Handle openReadWrite(String path) throws IOException {
    return new LocalHandle(
        FileChannel.open(p(path), StandardOpenOption.READ, StandardOpenOption.WRITE));
  }

  @Override
  public void mkdir(String path) throws IOException {
    Files.createDirectory(p(path));
  }

  @Override
  public void unlink(String path) throws IOException {
    Files.delete(p(path));
  }

  @Override
  public ByteBuffer allocate(int bytes) {
    return ByteBuffer.allocateDirect(bytes);
  }

  @Override
  public void dropClientCache() {
    // nothing of the file is cached in this process
  }

  @Override
  public void close() throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  private static final class LocalHandle implements Handle {
    private final FileChannel ch;

    LocalHandle(FileChannel ch) {
      this.ch = ch;
    }

    @Override
    public int readSome(ByteBuffer dst) throws IOException {
      return ch.read(dst);
    }

    @Override
    public int preadSome(ByteBuffer dst, long off) throws IOException {
      return ch.read(dst, off);
    }

    @Override
    public int writeSome(ByteBuffer src) throws IOException {
      return ch.write(src);
    }

    @Override
    public int pwriteSome(ByteBuffer src, long off) throws IOException {
      return ch.write(src, off);
    }

    @Override
    public void fsync() throws IOException {
      ch.force(true);
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }
}
