package io.hearth.fuse;

import io.hearth.client.Credentials;
import io.hearth.fuse.kernel.Caller;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The credentials of the process behind a FUSE request: uid and gid from the request's header,
 * supplementary groups from /proc (the "Groups:" line of the calling thread's status, as libfuse's
 * fuse_getgroups reads it), cached per thread id for {@link #GROUPS_TTL_NS} because reading them
 * costs a file read per request. A process whose groups change (newgrp starts a new one) is seen
 * within that time.
 *
 * <p>Thread-safe; called on request threads.
 */
final class Callers {
  static final long GROUPS_TTL_NS = 1_000_000_000L;
  static final int CACHED_PROCESSES_MAX = 4096;

  /** Supplementary groups read per caller; Linux allows 65,536, more than this is unheard of. */
  static final int GROUPS_MAX = 1024;

  private record Entry(int uid, int gid, List<Integer> groups, long fetchedNs) {}

  private final Path proc;
  private final LongSupplier clockNs;
  private final ConcurrentHashMap<Integer, Entry> byPid = new ConcurrentHashMap<>();

  Callers(Path proc, LongSupplier clockNs) {
    this.proc = proc;
    this.clockNs = clockNs;
  }

  Credentials of(Caller c) {
    if (c.uid() == 0) {
      return c.gid() == 0 ? Credentials.ROOT : new Credentials(0, c.gid(), List.of());
    }
    long now = clockNs.getAsLong();
    Entry e = byPid.get(c.pid());
    if (e == null || e.uid != c.uid() || e.gid != c.gid() || now - e.fetchedNs > GROUPS_TTL_NS) {
      if (byPid.size() >= CACHED_PROCESSES_MAX) {
        byPid.clear(); // bounded: refetching costs one /proc read per process
      }
      e = new Entry(c.uid(), c.gid(), groups(c.pid()), now);
      byPid.put(c.pid(), e);
    }
    return new Credentials(c.uid(), c.gid(), e.groups);
  }

  /** The thread's supplementary groups; none when it exited already or /proc is not there. */
  List<Integer> groups(int pid) {
    try {
      for (String line :
          Files.readAllLines(proc.resolve(Integer.toString(pid)).resolve("status"))) {
        if (line.startsWith("Groups:")) {
          return parse(line.substring("Groups:".length()));
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone, or no /proc: no supplementary groups
    }
    return List.of();
  }

  static List<Integer> parse(String groups) {
    List<Integer> out = new ArrayList<>();
    for (String g : groups.trim().split("\\s+")) {
      if (!g.isEmpty() && out.size() < GROUPS_MAX) {
        out.add(Integer.parseUnsignedInt(g));
      }
    }
    return List.copyOf(out);
  }
}
