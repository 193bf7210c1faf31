package io.hearth.fuse;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What {@code -o} says, split into Hearth's own settings and the options handed to the kernel's
 * mount (allow_other, default_permissions, ro). Typed and checked: a bad value fails the mount with
 * a message, never gets clamped.
 *
 * <p>Defaults (chosen by measurement, docs/mounting.md): attributes and entries cached by the
 * kernel for 1 s, negative entries for 1 s, 1 MiB reads ahead, 1 MiB writes, no kernel writeback
 * cache (the client buffers writes itself).
 */
record MountOptions(
    double entryTimeoutS,
    double attrTimeoutS,
    double negativeTimeoutS,
    int readaheadKb,
    int maxWriteBytes,
    boolean writebackCache,
    int threads,
    int sessionTtlMs,
    boolean clusterLocks,
    boolean lockLeases,
    List<String> fuseOptions) {

  static final int MAX_WRITE_BYTES_MAX = 1 << 20; // the kernel's FUSE_MAX_MAX_PAGES * 4 KiB
  static final int READAHEAD_KB_MAX = 16 * 1024;
  static final double TIMEOUT_S_MAX = 3600;

  /** Request threads: requests served at once (each may wait on the cluster). */
  static final int THREADS_DEFAULT = 16;

  static final int THREADS_MAX = 256;

  /** The session's TTL bounds, as the meta group accepts them (Sessions.TTL_MIN/MAX_MS). */
  static final double SESSION_TTL_S_MIN = 1;

  static final double SESSION_TTL_S_MAX = 300;

  /** What reaches the kernel's mount: its own options and the read-only flag. */
  static final Set<String> KERNEL_OPTIONS = Set.of("allow_other", "default_permissions", "ro");

  /** fstab and mount(8) words that mean nothing to FUSE and must not reach it. */
  private static final Set<String> MOUNT_ONLY =
      Set.of(
          "defaults",
          "auto",
          "noauto",
          "_netdev",
          "nofail",
          "user",
          "users",
          "nouser",
          "owner",
          "group",
          "comment",
          "rw",
          "exec",
          "noexec",
          "nodev",
          "dev",
          "async",
          "atime",
          "noatime",
          "relatime",
          "nosuid",
          "suid");

  static MountOptions defaults() {
    return new MountOptions(
        1.0, 1.0, 1.0, 1024, MAX_WRITE_BYTES_MAX, false, THREADS_DEFAULT, 0, true, true, List.of());
  }

  /** Parses comma-separated option lists (each as given to one {@code -o}). */
  static MountOptions parse(List<String> lists) {
    MountOptions d = defaults();
    double entry = d.entryTimeoutS;
    double attr = d.attrTimeoutS;
    double negative = d.negativeTimeoutS;
    int readahead = d.readaheadKb;
    int maxWrite = d.maxWriteBytes;
    boolean writeback = d.writebackCache;
    int threads = d.threads;
    int ttlMs = d.sessionTtlMs;
    boolean cluster = d.clusterLocks;
    boolean leases = d.lockLeases;
    List<String> fuse = new ArrayList<>();
    for (String list : lists) {
      for (String opt : list.split(",")) {
        if (opt.isBlank()) {
          continue;
        }
        int eq = opt.indexOf('=');
        String key = eq < 0 ? opt : opt.substring(0, eq);
        String value = eq < 0 ? null : opt.substring(eq + 1);
        switch (key) {
          case "entry_timeout" -> entry = seconds(key, value);
          case "attr_timeout" -> attr = seconds(key, value);
          case "negative_timeout" -> negative = seconds(key, value);
          case "readahead_kb" -> readahead = integer(key, value, 0, READAHEAD_KB_MAX);
          case "max_write" -> maxWrite = integer(key, value, 4096, MAX_WRITE_BYTES_MAX);
          case "writeback_cache" -> writeback = true;
          case "no_writeback_cache" -> writeback = false;
          case "threads" -> threads = integer(key, value, 1, THREADS_MAX);
          case "session_ttl" -> ttlMs = sessionTtlMs(key, value);
          case "locks" -> cluster = lockScope(value);
          case "lock_leases" -> leases = true;
          case "no_lock_leases" -> leases = false;
          case "fsname", "subtype" ->
              throw new IllegalArgumentException(
                  "-o " + key + " is set by hearth mount itself (fuse.hearth)");
          default -> {
            if (KERNEL_OPTIONS.contains(opt)) {
              fuse.add(opt);
            } else if (!MOUNT_ONLY.contains(key) && !key.startsWith("x-")) {
              throw new IllegalArgumentException(
                  "-o " + opt + ": unknown option (hearth mount --help lists them)");
            }
          }
        }
      }
    }
    return new MountOptions(
        entry,
        attr,
        negative,
        readahead,
        maxWrite,
        writeback,
        threads,
        ttlMs,
        cluster,
        leases,
        List.copyOf(fuse));
  }

  private static int sessionTtlMs(String key, String value) {
    double s = seconds(key, value);
    if (s < SESSION_TTL_S_MIN || s > SESSION_TTL_S_MAX) {
      throw new IllegalArgumentException(
          "-o " + key + "=" + value + ": must be 1 to " + (int) SESSION_TTL_S_MAX + " seconds");
    }
    return (int) Math.round(s * 1000);
  }

  /** {@code locks=cluster} (the default: held across every mount) or {@code locks=local}. */
  private static boolean lockScope(String value) {
    if ("cluster".equals(value)) {
      return true;
    }
    if ("local".equals(value)) {
      return false;
    }
    throw new IllegalArgumentException(
        "-o locks="
            + value
            + ": must be cluster (every mount sees them) or local (this mount only)");
  }

  private static double seconds(String key, String value) {
    try {
      double s = Double.parseDouble(required(key, value));
      if (s < 0 || s > TIMEOUT_S_MAX || Double.isNaN(s)) {
        throw new IllegalArgumentException(
            "-o " + key + "=" + value + ": must be 0 to " + (int) TIMEOUT_S_MAX + " seconds");
      }
      return s;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-o " + key + "=" + value + ": not a number of seconds");
    }
  }

  private static int integer(String key, String value, int min, int max) {
    try {
      int v = Integer.parseInt(required(key, value));
      if (v < min || v > max) {
        throw new IllegalArgumentException(
            "-o " + key + "=" + value + ": must be " + min + " to " + max);
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-o " + key + "=" + value + ": not an integer");
    }
  }

  private static String required(String key, String value) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("-o " + key + " needs a value (" + key + "=...)");
    }
    return value;
  }

  long entryTimeoutNs() {
    return nanos(entryTimeoutS);
  }

  long attrTimeoutNs() {
    return nanos(attrTimeoutS);
  }

  long negativeTimeoutNs() {
    return nanos(negativeTimeoutS);
  }

  private static long nanos(double s) {
    return Math.round(s * 1e9);
  }

  boolean has(String fuseOption) {
    return fuseOptions.contains(fuseOption);
  }
}
