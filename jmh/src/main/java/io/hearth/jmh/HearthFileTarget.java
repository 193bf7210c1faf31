package io.hearth.jmh;

import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import io.hearth.client.InProcessCluster;
import io.hearth.server.config.ServerConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * A real 3-node Hearth cluster on loopback (Ratis + RocksDB, blocks and logs in the temp dir) and
 * one client shared by every benchmark thread, as one mount would share it.
 */
final class HearthFileTarget implements FileTarget {
  /** A small file read by every fresh client before it is used, to open its data connections. */
  private static final String PRIMER = "/.bench-primer";

  private final InProcessCluster cluster;
  private HearthClient client;

  HearthFileTarget() throws IOException {
    // Unlinked blocks go within a second instead of five: the benchmark unlinks a GiB at a time
    // and the disk should not hold several of them.
    cluster = new InProcessCluster(3, Map.of(ServerConfig.GC_INTERVAL_MS.name(), "1000"));
    try {
      client = HearthClient.connect(cluster.spec());
      // The first request waits for the election; do it outside the measurement.
      client.statfs();
      try (HearthFile f =
          client.open(PRIMER, HearthFile.O_WRONLY | HearthFile.O_CREAT | HearthFile.O_TRUNC)) {
        f.write(ByteBuffer.allocate(4096));
      }
      prime(client);
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Everything a first read would set up: the meta leader, the data layout, the data groups. */
  private static void prime(HearthClient c) throws IOException {
    c.statfs();
    try (HearthFile f = c.open(PRIMER, HearthFile.O_RDONLY)) {
      f.pread(ByteBuffer.allocate(4096), 0);
    }
  }

  @Override
  public Handle create(String path) throws IOException {
    return new HearthHandle(
        client.open(path, HearthFile.O_WRONLY | HearthFile.O_CREAT | HearthFile.O_TRUNC, 0644));
  }

  @Override
  public Handle openRead(String path) throws IOException {
    return new HearthHandle(client.open(path, HearthFile.O_RDONLY));
  }

  @Override
  public Handle openReadWrite(String path) throws IOException {
    return new HearthHandle(client.open(path, HearthFile.O_RDWR));
  }

  @Override
  public void mkdir(String path) throws IOException {
    client.mkdir(path, 0755);
  }

  @Override
  public void unlink(String path) throws IOException {
    client.unlink(path);
  }

  @Override
  public ByteBuffer allocate(int bytes) {
    return ByteBuffer.allocate(bytes);
  }

  @Override
  public void dropClientCache() throws IOException {
    HearthClient fresh = HearthClient.connect(cluster.spec());
    try {
      prime(fresh);
    } catch (IOException | RuntimeException e) {
      fresh.close();
      throw e;
    }
    HearthClient old = client;
    client = fresh;
    old.close();
  }

  @Override
  public void close() throws IOException {
    try {
      if (client != null) {
        client.close();
      }
    } finally {
      cluster.close();
    }
  }

  private static final class HearthHandle implements Handle {
    private final HearthFile f;

    HearthHandle(HearthFile f) {
      this.f = f;
    }

    @Override
    public int readSome(ByteBuffer dst) throws IOException {
      return f.read(dst);
    }

    @Override
    public int preadSome(ByteBuffer dst, long off) throws IOException {
      return f.pread(dst, off);
    }

    @Override
    public int writeSome(ByteBuffer src) throws IOException {
      return f.write(src);
    }

    @Override
    public int pwriteSome(ByteBuffer src, long off) throws IOException {
      return f.pwrite(src, off);
    }

    @Override
    public void fsync() throws IOException {
      f.fsync();
    }

    @Override
    public void close() throws IOException {
      f.close();
    }
  }
}
