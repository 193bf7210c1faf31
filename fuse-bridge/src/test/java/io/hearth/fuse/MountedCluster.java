package io.hearth.fuse;

import io.hearth.client.InProcessCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A 3-node cluster in this JVM and the mounts of it a test makes, each a bridge process, mounted
 * the way a multi-user node mounts ({@link #MULTI_USER}). {@link #close} unmounts every mount,
 * newest first, then stops the cluster, even when one of those steps fails.
 */
final class MountedCluster implements AutoCloseable {
  static final String MULTI_USER = "allow_other,default_permissions";

  private final InProcessCluster cluster;
  private final List<BridgeProcess> mounts = new ArrayList<>();

  MountedCluster() throws IOException {
    cluster = new InProcessCluster(3);
  }

  String spec() {
    return cluster.spec();
  }

  /** Mounts the cluster at {@code mountpoint} (created if missing). */
  BridgeProcess mount(Path mountpoint) throws IOException, InterruptedException {
    return mount(mountpoint, "");
  }

  /** As {@link #mount(Path)}, with more -o options after the multi-user ones. */
  BridgeProcess mount(Path mountpoint, String moreOptions)
      throws IOException, InterruptedException {
    String opts = moreOptions.isEmpty() ? MULTI_USER : MULTI_USER + "," + moreOptions;
    BridgeProcess b = BridgeProcess.mount(cluster.spec(), mountpoint, opts);
    mounts.add(b);
    return b;
  }

  @Override
  public void close() throws IOException {
    try {
      for (int i = mounts.size() - 1; i >= 0; i--) {
        mounts.get(i).close(); // never throws: unmounts and stops the process in any state
      }
    } finally {
      cluster.close();
    }
  }
}
