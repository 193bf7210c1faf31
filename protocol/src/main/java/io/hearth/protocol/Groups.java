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

  private Groups() {}
}
