package io.hearth.protocol;

/**
 * ESTALE because the request's session has ended (it expired, or an admin evicted it): what it held
 * (locks, leases) is gone. A client that sees it opens a new session; a request it made on the
 * strength of a lost lock must fail (EIO at the descriptor), never be sent again under the new
 * session.
 */
public final class SessionEndedException extends HearthException {
  public SessionEndedException(String detail) {
    super(Errno.ESTALE, detail);
  }
}
