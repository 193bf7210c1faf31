package io.hearth.client.vfs;

import io.hearth.protocol.meta.Attr;

/**
 * The latest attributes of one inode that any reply told this client (a stat, a commit, a
 * truncate). Replies may arrive out of order, so an observation replaces the current one only if it
 * is not older: a higher data version, or the same one and a ctime not earlier.
 *
 * <p>Not thread-safe: guarded by its inode's lock.
 */
final class NamespaceView {
  private Attr latest;

  NamespaceView(Attr first) {
    this.latest = first;
  }

  Attr latest() {
    return latest;
  }

  /**
   * Takes {@code a} if it is not older than the current view; returns true when it shows contents
   * this client had not seen (a higher data version): cached file data must then go.
   */
  boolean observe(Attr a) {
    if (a == null || a.getIno() != latest.getIno()) {
      return false;
    }
    long v = a.getDataVersion();
    long cur = latest.getDataVersion();
    if (v > cur || (v == cur && a.getCtimeNs() >= latest.getCtimeNs())) {
      latest = a;
      return v > cur;
    }
    return false;
  }
}
