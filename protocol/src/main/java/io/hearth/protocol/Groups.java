package io.hearth.protocol;

import java.util.UUID;

/** The Raft group ids every Hearth node and client agree on. */
public final class Groups {
  /** The meta group: the namespace. */
  public static final UUID META = UUID.fromString("4865a7f4-0000-4d65-7461-000000000001");

  private Groups() {}
}
