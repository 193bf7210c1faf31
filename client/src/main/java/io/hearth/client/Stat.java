package io.hearth.client;

import io.hearth.protocol.FileMode;
import io.hearth.protocol.meta.Attr;

/**
 * An inode's attributes, as stat(2) reports them. Times in nanoseconds since the epoch. {@code
 * dataVersion} changes whenever the file's contents or size do (the namespace's log index of that
 * change): two stats with the same version saw the same bytes, so caches of a file key on it.
 */
public record Stat(
    long ino,
    int mode,
    int uid,
    int gid,
    long size,
    int nlink,
    long atimeNs,
    long mtimeNs,
    long ctimeNs,
    long rdev,
    long dataVersion) {

  public static Stat of(Attr a) {
    return new Stat(
        a.getIno(),
        a.getMode(),
        a.getUid(),
        a.getGid(),
        a.getSize(),
        a.getNlink(),
        a.getAtimeNs(),
        a.getMtimeNs(),
        a.getCtimeNs(),
        a.getRdev(),
        a.getDataVersion());
  }

  public Attr toAttr() {
    return Attr.newBuilder()
        .setIno(ino)
        .setMode(mode)
        .setUid(uid)
        .setGid(gid)
        .setSize(size)
        .setNlink(nlink)
        .setAtimeNs(atimeNs)
        .setMtimeNs(mtimeNs)
        .setCtimeNs(ctimeNs)
        .setRdev(rdev)
        .setDataVersion(dataVersion)
        .build();
  }

  public boolean isDir() {
    return FileMode.isDir(mode);
  }

  public boolean isRegular() {
    return FileMode.isRegular(mode);
  }

  public boolean isSymlink() {
    return FileMode.isSymlink(mode);
  }

  /** Permission bits with setuid/setgid/sticky. */
  public int perm() {
    return mode & FileMode.PERM_MASK;
  }
}
