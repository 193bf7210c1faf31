package io.hearth.fuse;

import io.hearth.client.Credentials;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The credentials of the process behind the current FUSE request: uid and gid from libfuse's
 * context, supplementary groups from /proc (through fuse_getgroups), cached per process for {@link
 * #GROUPS_TTL_NS} because reading them costs a file read per request. A process whose groups change
 * (newgrp starts a new one) is seen within that time.
 *
 * <p>Thread-safe; called on FUSE worker threads only.
 */
final class Callers {
  static final long GROUPS_TTL_NS = 1_000_000_000L;
  static final int CACHED_PROCESSES_MAX = 4096;

  private record Entry(int uid, int gid, List<Integer> groups, long fetchedNs) {}

  private final FuseNative fuse;
  private final LongSupplier clockNs;
  private final ConcurrentHashMap<Integer, Entry> byPid = new ConcurrentHashMap<>();

  Callers(FuseNative fuse, LongSupplier clockNs) {
    this.fuse = fuse;
    this.clockNs = clockNs;
  }

  Credentials current() {
    FuseNative.Caller c = fuse.caller();
    if (c.uid() == 0) {
      return c.gid() == 0 ? Credentials.ROOT : new Credentials(0, c.gid(), List.of());
    }
    long now = clockNs.getAsLong();
    Entry e = byPid.get(c.pid());
    if (e == null || e.uid != c.uid() || e.gid != c.gid() || now - e.fetchedNs > GROUPS_TTL_NS) {
      if (byPid.size() >= CACHED_PROCESSES_MAX) {
        byPid.clear(); // bounded: refetching costs one /proc read per process
      }
      e = new Entry(c.uid(), c.gid(), fuse.groups(), now);
      byPid.put(c.pid(), e);
    }
    return new Credentials(c.uid(), c.gid(), e.groups);
  }
}
