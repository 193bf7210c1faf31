package io.hearth.server.meta.store;

import io.hearth.protocol.FileMode;
import io.hearth.protocol.meta.Attr;
import java.nio.ByteBuffer;

/**
 * One inode as stored under {@link KeySchema#inode}. Layout (version 2, big-endian): version:u8
 * mode:u32 uid:u32 gid:u32 size:u64 nlink:u32 atime:i64 mtime:i64 ctime:i64 rdev:u64 parent:u64
 * data_version:u64 then the symlink target (rest of the value). {@code parent} is kept for
 * directories only, so that ".." and the rename cycle check need no scan. {@code dataVersion} is
 * the log index of the entry that last changed the contents or the size. Version 1 records (no
 * data_version) are read as version 0; every record written is version 2.
 */
public final class InodeRecord {
  private static final byte VERSION = 2;
  private static final byte VERSION_1 = 1;
  private static final int FIXED_BYTES_1 = 1 + 4 * 4 + 8 * 6;
  private static final int FIXED_BYTES = FIXED_BYTES_1 + 8;

  public long ino;
  public int mode;
  public int uid;
  public int gid;
  public long size;
  public int nlink;
  public long atimeNs;
  public long mtimeNs;
  public long ctimeNs;
  public long rdev;
  public long parent;
  public long dataVersion;
  public byte[] target = new byte[0];

  public boolean isDir() {
    return FileMode.isDir(mode);
  }

  public boolean isSymlink() {
    return FileMode.isSymlink(mode);
  }

  public int type() {
    return FileMode.type(mode);
  }

  public byte[] encode() {
    return ByteBuffer.allocate(FIXED_BYTES + target.length)
        .put(VERSION)
        .putInt(mode)
        .putInt(uid)
        .putInt(gid)
        .putLong(size)
        .putInt(nlink)
        .putLong(atimeNs)
        .putLong(mtimeNs)
        .putLong(ctimeNs)
        .putLong(rdev)
        .putLong(parent)
        .putLong(dataVersion)
        .put(target)
        .array();
  }

  /** Decodes a stored record; a record this build cannot read is a broken invariant. */
  public static InodeRecord decode(long ino, byte[] v) {
    ByteBuffer b = ByteBuffer.wrap(v);
    byte version = b.get();
    if ((version != VERSION || v.length < FIXED_BYTES)
        && (version != VERSION_1 || v.length < FIXED_BYTES_1)) {
      throw new IllegalStateException("inode " + ino + ": unreadable record version " + version);
    }
    InodeRecord r = new InodeRecord();
    r.ino = ino;
    r.mode = b.getInt();
    r.uid = b.getInt();
    r.gid = b.getInt();
    r.size = b.getLong();
    r.nlink = b.getInt();
    r.atimeNs = b.getLong();
    r.mtimeNs = b.getLong();
    r.ctimeNs = b.getLong();
    r.rdev = b.getLong();
    r.parent = b.getLong();
    r.dataVersion = version == VERSION ? b.getLong() : 0;
    r.target = new byte[b.remaining()];
    b.get(r.target);
    return r;
  }

  /**
   * Takes the attributes a rule decided ({@code a} describes this inode): mode, owner, group, size,
   * link count, times, rdev. The inode number, parent and target are the record's own.
   */
  public void setAttrs(Attr a) {
    if (a.getIno() != ino) {
      throw new IllegalArgumentException("attributes of inode " + a.getIno() + " for " + ino);
    }
    mode = a.getMode();
    uid = a.getUid();
    gid = a.getGid();
    size = a.getSize();
    nlink = a.getNlink();
    atimeNs = a.getAtimeNs();
    mtimeNs = a.getMtimeNs();
    ctimeNs = a.getCtimeNs();
    rdev = a.getRdev();
    dataVersion = a.getDataVersion();
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
}
