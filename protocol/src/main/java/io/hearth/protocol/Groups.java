package io.hearth.protocol;

import java.util.UUID;

/** The Raft group ids every Hearth node and client agree on. */
public final class Groups {
  /** The meta group: the namespace. */
  public static final UUID META = UUID.fromString("4865a7f4-0000-4d65-7461-000000000001");

  /** Data group number {@code n} of the layout: immutable blocks. */
  public static UUID data(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("data group " + n);
    }
    return new UUID(0x4865a7f400004461L, 0x7461000000000000L | n);
  }

  /** The number of a data group's id, or -1 when the id is not a data group's. */
  public static int dataNumber(UUID id) {
    long low = id.getLeastSignificantBits();
    if (id.getMostSignificantBits() != 0x4865a7f400004461L
        || (low & 0xffffffff00000000L) != 0x7461000000000000L) {
      return -1;
    }
    return (int) (low & 0x7fffffffL);
  }

  private Groups() {}
}
