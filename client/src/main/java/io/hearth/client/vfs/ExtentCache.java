package io.hearth.client.vfs;

import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.meta.Extent;
import io.hearth.protocol.meta.Loc;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.ReadMapReply;
import io.hearth.protocol.meta.ReadMapReq;
import io.hearth.rpc.Futures;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The committed chunk map of one open file, fetched from the meta group in windows of {@link
 * #WINDOW_BYTES} and kept until the next commit or truncate of this client invalidates it (which
 * bumps the {@link #generation}). A window fetched while the generation moved is not kept: its
 * reader sees the generation change and reads again.
 *
 * <p>Thread-safe (its own monitor); fetches run outside it.
 */
final class ExtentCache {
  static final long WINDOW_BYTES = 256L << 20;

  private final MetaPort meta;
  private final long ino;
  private final Caller caller;
  private final TreeMap<Long, Extent> map = new TreeMap<>();
  private final Set<Long> windows = new HashSet<>();
  private long generation;

  ExtentCache(MetaPort meta, long ino, Caller caller) {
    this.meta = meta;
    this.ino = ino;
    this.caller = caller;
  }

  synchronized long generation() {
    return generation;
  }

  /** The namespace changed under the cached map. */
  synchronized void invalidate() {
    generation++;
    map.clear();
    windows.clear();
  }

  /**
   * The committed extents overlapping [off, off + n), as of generation {@code gen}; incomplete if
   * the generation moved meanwhile (the caller checks and reads again).
   */
  List<Extent> extents(long off, int n, long gen) throws HearthException {
    long first = off / WINDOW_BYTES;
    long last = (off + n - 1) / WINDOW_BYTES;
    for (long w = first; w <= last; w++) {
      if (!has(w)) {
        fetch(w, gen);
      }
    }
    synchronized (this) {
      List<Extent> out = new ArrayList<>();
      Map.Entry<Long, Extent> floor = map.floorEntry(off);
      long from = floor != null ? floor.getKey() : off;
      for (Extent e : map.subMap(from, true, off + n, false).values()) {
        if (e.getFileOff() + e.getLen() > off) {
          out.add(e);
        }
      }
      return out;
    }
  }

  private synchronized boolean has(long window) {
    return windows.contains(window);
  }

  private void fetch(long w, long gen) throws HearthException {
    long start = w * WINDOW_BYTES;
    long end = start + WINDOW_BYTES;
    List<Extent> got = new ArrayList<>();
    long from = start;
    while (from < end) {
      ReadMapReply r =
          Futures.join(
                  meta.read(
                      MetaRequest.newBuilder()
                          .setCaller(caller)
                          .setReadMap(
                              ReadMapReq.newBuilder()
                                  .setLoc(Loc.newBuilder().setBase(ino))
                                  .setOff(from)
                                  .setLen(end - from)
                                  .setMaxExtents(Limits.READ_MAP_EXTENTS_MAX))
                          .build()))
              .getReadMap();
      got.addAll(r.getExtentsList());
      if (!r.getMore() || r.getExtentsCount() == 0) {
        break;
      }
      Extent lastExtent = r.getExtents(r.getExtentsCount() - 1);
      from = lastExtent.getFileOff() + lastExtent.getLen();
    }
    synchronized (this) {
      if (gen == generation) {
        for (Extent e : got) {
          map.put(e.getFileOff(), e);
        }
        windows.add(w);
      }
    }
  }
}
