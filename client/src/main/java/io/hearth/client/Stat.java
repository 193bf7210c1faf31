package io.hearth.client;

import io.hearth.protocol.FileMode;
import io.hearth.protocol.meta.Attr;

/** An inode's attributes, as stat(2) reports them. Times in nanoseconds since the epoch. */
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
    long rdev) {

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
        a.getRdev());
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
