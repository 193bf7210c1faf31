package io.hearth.client.vfs;

import io.hearth.protocol.HearthException;

/**
 * Which session a change to an open file must carry: the one its locks were taken under, so that
 * the namespace refuses the change once that session has ended (a client cut off past its TTL must
 * not write on the strength of a lock another node now holds). The lock layer implements it.
 */
@FunctionalInterface
public interface Fence {
  /**
   * The session to stamp on the file's changes, or 0 for the client's current one; EIO when a lock
   * of the file was lost with its session (until every descriptor of it here is closed).
   */
  long sessionFor(long ino) throws HearthException;

  Fence NONE = ino -> 0;
}
