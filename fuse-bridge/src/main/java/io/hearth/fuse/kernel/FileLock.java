package io.hearth.fuse.kernel;

/**
 * A POSIX record lock range (struct fuse_file_lock): bytes {@code start} to {@code end} inclusive
 * (to the end of the file: {@code end} is Long.MAX_VALUE, the kernel's OFFSET_MAX), {@code type}
 * F_RDLCK 0, F_WRLCK 1 or F_UNLCK 2, held by process {@code pid}.
 */
public record FileLock(long start, long end, int type, int pid) {
  public static final int F_RDLCK = 0;
  public static final int F_WRLCK = 1;
  public static final int F_UNLCK = 2;
}
