package io.hearth.server.meta.ops;

import com.google.protobuf.InvalidProtocolBufferException;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.SessionEndedException;
import io.hearth.protocol.meta.SessionInfo;
import io.hearth.server.meta.store.KeySchema;
import io.hearth.server.meta.store.Txn;
import java.util.Map;

/**
 * Client sessions in the namespace ('S' keys): what a session owns (locks, waiters, leases; see
 * {@link LockState}) goes with it, in the entry that ends it.
 */
public final class Sessions {
  /** The TTL a session gets when it asks for none. */
  public static final int TTL_DEFAULT_MS = 10_000;

  public static final int TTL_MIN_MS = 1_000;
  public static final int TTL_MAX_MS = 300_000;

  private Sessions() {}

  /** ESTALE unless the session is open: a client cut off past its TTL acts on nothing. */
  static void checkLive(Txn txn, long session) throws HearthException {
    if (txn.get(KeySchema.session(session)) == null) {
      throw new SessionEndedException(
          "session " + session + " has ended; its locks and leases are gone");
    }
  }

  public static SessionInfo load(Txn txn, long session) {
    byte[] v = txn.get(KeySchema.session(session));
    return v == null ? null : decode(v);
  }

  static SessionInfo decode(byte[] v) {
    try {
      return SessionInfo.parseFrom(v);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("unreadable session record", e);
    }
  }

  /** Every open session, in id order. */
  public static java.util.List<SessionInfo> all(Txn txn) {
    java.util.List<SessionInfo> out = new java.util.ArrayList<>();
    for (Map.Entry<byte[], byte[]> e :
        txn.scan(KeySchema.SESSION_PREFIX, null, Integer.MAX_VALUE)) {
      out.add(decode(e.getValue()));
    }
    return out;
  }

  /**
   * Ends a session: its record, locks, waiters and leases go; the waiters its locks blocked may be
   * granted. False if it was not open.
   */
  /** The reason the session keeper gives when it ends sessions it stopped hearing from. */
  public static final String EXPIRED_BY_TTL = "ttl";

  static boolean end(OpContext ctx, long session) {
    Txn txn = ctx.txn();
    if (txn.get(KeySchema.session(session)) == null) {
      return false;
    }
    txn.delete(KeySchema.session(session));
    LockState.dropSession(ctx, session);
    ctx.effects().add(new Effects.SessionGone(session));
    return true;
  }
}
