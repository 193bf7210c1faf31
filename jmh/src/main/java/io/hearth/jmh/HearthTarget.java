package io.hearth.jmh;

import io.hearth.client.HearthClient;
import io.hearth.client.InProcessCluster;
import java.io.IOException;

/**
 * A real 3-node Hearth cluster on loopback (Ratis + RocksDB, data in the temp dir) and one client
 * shared by every benchmark thread, as one mount would share it.
 */
final class HearthTarget implements Target {
  private final InProcessCluster cluster;
  private final HearthClient client;

  HearthTarget() throws IOException {
    cluster = new InProcessCluster(3);
    client = HearthClient.connect(cluster.spec());
    // The first request waits for the election; do it outside the measurement.
    client.statfs();
  }

  @Override
  public void mkdir(String path) throws IOException {
    client.mkdir(path, 0755);
  }

  @Override
  public void create(String path) throws IOException {
    client.create(path, 0644);
  }

  @Override
  public void stat(String path) throws IOException {
    client.stat(path);
  }

  @Override
  public void rename(String from, String to) throws IOException {
    client.rename(from, to);
  }

  @Override
  public void unlink(String path) throws IOException {
    client.unlink(path);
  }

  @Override
  public void close() throws IOException {
    client.close();
    cluster.close();
  }
}
