package io.hearth.fuse.kernel;

import io.hearth.fuse.kernel.Layout.Dirent;
import io.hearth.fuse.kernel.Layout.DirentPlus;

/**
 * A READDIR or READDIRPLUS reply being filled: fuse_dirent (or fuse_direntplus) records one after
 * another in the reply payload, each padded to 8 bytes, up to the size the kernel asked for.
 */
final class DirBuffer implements DirSink {
  private final Reply out;
  private boolean plus;
  private int limit;
  private int used;

  DirBuffer(Reply out) {
    this.out = out;
  }

  DirBuffer reset(boolean plus, int size) {
    this.plus = plus;
    this.limit = Math.min(size, out.capacity());
    this.used = 0;
    return this;
  }

  int used() {
    return used;
  }

  @Override
  public boolean plus() {
    return plus;
  }

  /** The d_type of readdir(3): the file type bits of the mode, shifted down. */
  static int direntType(int mode) {
    return (mode >>> 12) & 0xf;
  }

  @Override
  public boolean add(byte[] name, long ino, int type, long nextOffset) {
    int size = Layout.align8(Dirent.NAME + name.length);
    if (used + size > limit) {
      return false;
    }
    dirent(used, name, ino, type, nextOffset, size - Dirent.NAME - name.length);
    used += size;
    return true;
  }

  @Override
  public boolean addPlus(byte[] name, Entry entry, long nextOffset) {
    int size = Layout.align8(DirentPlus.NAME + name.length);
    if (used + size > limit) {
      return false;
    }
    out.entry(used + DirentPlus.ENTRY, entry);
    Attr a = entry.attr();
    dirent(
        used + DirentPlus.DIRENT,
        name,
        a == null ? 0 : a.ino(),
        a == null ? 0 : a.mode(),
        nextOffset,
        size - DirentPlus.NAME - name.length);
    used += size;
    return true;
  }

  private void dirent(int off, byte[] name, long ino, int mode, long next, int pad) {
    out.u64(off + Dirent.INO, ino);
    out.u64(off + Dirent.OFF, next);
    out.u32(off + Dirent.NAMELEN, name.length);
    out.u32(off + Dirent.TYPE, direntType(mode));
    out.bytes(off + Dirent.NAME, name);
    if (pad > 0) {
      out.zero(off + Dirent.NAME + name.length, pad);
    }
  }
}
