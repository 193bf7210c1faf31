package io.hearth.server.meta.store;

import java.nio.ByteBuffer;

/**
 * A directory entry's value under {@link KeySchema#dentry}: ino:u64 type:u32 cookie:u64. The same
 * entry also sits under {@link KeySchema#dirOrder} with value ino:u64 type:u32 name, so that
 * readdir walks entries in cookie order and a listing resumed from a cookie neither repeats nor
 * skips an entry that existed all along.
 */
public record Dentry(byte[] name, long ino, int type, long cookie) {
  public byte[] encodeValue() {
    return ByteBuffer.allocate(20).putLong(ino).putInt(type).putLong(cookie).array();
  }

  public byte[] encodeOrderValue() {
    return ByteBuffer.allocate(12 + name.length).putLong(ino).putInt(type).put(name).array();
  }

  public static Dentry decodeValue(byte[] name, byte[] v) {
    ByteBuffer b = ByteBuffer.wrap(v);
    return new Dentry(name, b.getLong(), b.getInt(), b.getLong());
  }

  public static Dentry decodeOrder(long cookie, byte[] v) {
    ByteBuffer b = ByteBuffer.wrap(v);
    long ino = b.getLong();
    int type = b.getInt();
    byte[] name = new byte[b.remaining()];
    b.get(name);
    return new Dentry(name, ino, type, cookie);
  }
}
