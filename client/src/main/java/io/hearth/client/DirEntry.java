package io.hearth.client;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One directory entry. A Linux name is a byte string ({@link #nameBytes}); {@link #name} decodes it
 * as UTF-8 for display (a name that is not UTF-8 shows replacement characters there, but its bytes
 * are kept exactly). {@code type} holds the S_IFMT bits; {@code stat} is set when the listing asked
 * for attributes (readdirplus). Pass {@code cookie} back to continue a listing after it.
 */
public record DirEntry(byte[] nameBytes, long ino, int type, long cookie, Stat stat) {
  public DirEntry {
    nameBytes = nameBytes.clone();
  }

  /** The name as UTF-8 text. */
  public String name() {
    return new String(nameBytes, StandardCharsets.UTF_8);
  }

  @Override
  public byte[] nameBytes() {
    return nameBytes.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DirEntry d
        && Arrays.equals(nameBytes, d.nameBytes)
        && ino == d.ino
        && type == d.type
        && cookie == d.cookie
        && java.util.Objects.equals(stat, d.stat);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(nameBytes) * 31 + Long.hashCode(ino);
  }

  @Override
  public String toString() {
    return "DirEntry[" + name() + ", ino=" + ino + ", cookie=" + cookie + "]";
  }
}
