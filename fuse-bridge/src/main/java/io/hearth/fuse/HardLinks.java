package io.hearth.fuse;

import io.hearth.client.Stat;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The names this mount has seen for files with more than one link. libfuse's high-level API gives
 * every path its own kernel inode, so the kernel caches attributes and pages per name: a change
 * made through one name of a hard-linked file (a write, chmod, a new link, an unlink) would leave
 * the other names' size, link count and times stale for up to attr_timeout, within one mount. The
 * bridge looks up here which other names to drop from the kernel's cache after such a change.
 *
 * <p>A name may be out of date (renamed or removed since): dropping the cache of a path that names
 * something else, or nothing, costs a lookup and is harmless. Bounded by {@link #INODES_MAX}: past
 * it, everything is forgotten and names are learned again from getattr. Thread-safe.
 */
final class HardLinks {
  static final int INODES_MAX = 4096;

  private final Map<Long, Set<String>> namesOf = new HashMap<>();
  private final Map<String, Long> inoOf = new HashMap<>();

  /** Notes {@code path}'s attributes: a name of a file with several links is remembered. */
  void saw(String path, Stat s) {
    if (s.nlink() > 1 && !s.isDir()) {
      add(s.ino(), path);
    }
  }

  synchronized void add(long ino, String path) {
    if (namesOf.size() >= INODES_MAX && !namesOf.containsKey(ino)) {
      namesOf.clear();
      inoOf.clear();
    }
    Long old = inoOf.put(path, ino);
    if (old != null && old != ino) {
      Set<String> names = namesOf.get(old);
      if (names != null) {
        names.remove(path);
      }
    }
    namesOf.computeIfAbsent(ino, i -> new HashSet<>()).add(path);
  }

  /** The inode last seen at {@code path} if it has several links, else -1. */
  synchronized long inoAt(String path) {
    Long ino = inoOf.get(path);
    return ino == null ? -1 : ino;
  }

  /** The other names known for {@code ino}; none if it was not seen with several links. */
  synchronized List<String> othersOf(long ino, String path) {
    Set<String> names = namesOf.get(ino);
    return names == null ? List.of() : names.stream().filter(n -> !n.equals(path)).toList();
  }

  /** {@code path} no longer names its inode (unlinked, or renamed to {@code to} if not null). */
  synchronized void moved(String path, String to) {
    Long ino = inoOf.remove(path);
    if (ino == null) {
      return;
    }
    Set<String> names = namesOf.get(ino);
    if (names != null) {
      names.remove(path);
      if (to != null) {
        names.add(to);
        inoOf.put(to, ino);
      }
    }
  }
}
