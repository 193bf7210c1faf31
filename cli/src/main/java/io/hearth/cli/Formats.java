package io.hearth.cli;

import io.hearth.client.Stat;
import io.hearth.protocol.FileMode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How ls and stat print attributes, as coreutils does in the C locale. */
final class Formats {
  private static final DateTimeFormatter RECENT =
      DateTimeFormatter.ofPattern("MMM ppd HH:mm", Locale.ROOT);
  private static final DateTimeFormatter OLD =
      DateTimeFormatter.ofPattern("MMM ppd  yyyy", Locale.ROOT);
  private static final DateTimeFormatter FULL =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSSSS Z", Locale.ROOT);

  /**
   * ls shows the year instead of the time for files older than about six months (or in the future).
   */
  private static final Duration RECENT_MAX = Duration.ofSeconds(31556952 / 2);

  private Formats() {}

  static Instant instant(long ns) {
    return Instant.ofEpochSecond(
        Math.floorDiv(ns, 1_000_000_000L), Math.floorMod(ns, 1_000_000_000L));
  }

  /** ls -l's time column. */
  static String lsTime(long ns, Instant now, ZoneId zone) {
    Instant t = instant(ns);
    boolean recent = !t.isAfter(now) && Duration.between(t, now).compareTo(RECENT_MAX) < 0;
    return ZonedDateTime.ofInstant(t, zone).format(recent ? RECENT : OLD);
  }

  /** stat's time: nanoseconds and zone offset. */
  static String fullTime(long ns, ZoneId zone) {
    return ZonedDateTime.ofInstant(instant(ns), zone).format(FULL);
  }

  /** stat's %F. */
  static String typeName(Stat s) {
    return switch (FileMode.type(s.mode())) {
      case FileMode.S_IFDIR -> "directory";
      case FileMode.S_IFREG -> s.size() == 0 ? "regular empty file" : "regular file";
      case FileMode.S_IFLNK -> "symbolic link";
      case FileMode.S_IFIFO -> "fifo";
      case FileMode.S_IFSOCK -> "socket";
      case FileMode.S_IFCHR -> "character special file";
      case FileMode.S_IFBLK -> "block special file";
      default -> "weird file";
    };
  }

  static boolean isDevice(Stat s) {
    int t = FileMode.type(s.mode());
    return t == FileMode.S_IFCHR || t == FileMode.S_IFBLK;
  }

  /** "major, minor" as ls shows a device, from Linux's dev_t encoding. */
  static String device(long rdev) {
    long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
    long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
    return major + ", " + minor;
  }
}
