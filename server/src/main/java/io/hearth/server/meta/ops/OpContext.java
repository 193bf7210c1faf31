package io.hearth.server.meta.ops;

import io.hearth.protocol.meta.Caller;
import io.hearth.server.meta.store.Txn;

/**
 * Everything one operation may use: its view of the store, the caller, and the values the leader
 * fixed before the entry was logged. Nothing here reads a clock or a random source, so applying the
 * same entry on every replica gives the same result.
 *
 * <p>New inode numbers and directory cookies come from the entry's log index: {@code index << 8 |
 * slot}, unique across the cluster's life without any counter to replicate (as Ozone derives object
 * ids from transaction indexes). One entry may allocate up to 256 ids.
 */
public final class OpContext {
  private static final int SLOTS_PER_ENTRY = 256;

  private final Txn txn;
  private final Caller caller;
  private final long session;
  private final long nowNs;
  private final Ids ids;
  private final Effects effects;
  private final Claims claims;

  /**
   * What the meta leader knows, in memory, of which session holds which file open: asked by a read
   * that opens an orphan (a file with no name left), which only a session that already holds it may
   * open again (through /proc/PID/fd). Replicas that apply entries have no such knowledge and use
   * {@link #NO_CLAIMS}.
   */
  public interface Claims {
    boolean holds(long session, long ino);
  }

  /** On replicas applying entries: every orphan counts as held (the leader decided before). */
  public static final Claims NO_CLAIMS = (session, ino) -> true;

  /**
   * @param index the log index of the entry being applied, or -1 for a read that allocates nothing
   */
  public OpContext(Txn txn, Caller caller, long nowNs, long index) {
    this(txn, caller, 0, nowNs, new Ids(index), new Effects(), NO_CLAIMS);
  }

  /** A read's context on the leader, which knows what sessions hold open. */
  public static OpContext read(Txn txn, Caller caller, long nowNs, Claims claims) {
    return new OpContext(txn, caller, 0, nowNs, new Ids(-1), new Effects(), claims);
  }

  private OpContext(
      Txn txn, Caller caller, long session, long nowNs, Ids ids, Effects effects, Claims claims) {
    this.txn = txn;
    this.caller = caller;
    this.session = session;
    this.nowNs = nowNs;
    this.ids = ids;
    this.effects = effects;
    this.claims = claims;
  }

  /**
   * The context of one request of an entry: same entry, same ids pool and effects, the request's
   * own caller and session.
   */
  public OpContext forRequest(Caller other, long otherSession) {
    return new OpContext(txn, other, otherSession, nowNs, ids, effects, claims);
  }

  public Claims claims() {
    return claims;
  }

  /** The caller's session, 0 for none. */
  public long session() {
    return session;
  }

  /** What the leader does after the commit (wake waiters, recall leases). */
  public Effects effects() {
    return effects;
  }

  public Txn txn() {
    return txn;
  }

  public Caller caller() {
    return caller;
  }

  /** Whether this is a read (no log entry): it may allocate nothing and must write nothing. */
  public boolean readOnly() {
    return ids.index < 0;
  }

  public boolean isRoot() {
    return caller.getUid() == 0;
  }

  /** The operation's time, chosen by the leader and carried in the entry. */
  public long nowNs() {
    return nowNs;
  }

  /** The log index of the entry being applied (-1 for a read). */
  public long index() {
    return ids.index;
  }

  /** A new id (inode number or directory cookie), unique to this entry and slot. */
  public long newId() {
    return ids.next();
  }

  /** The ids of one log entry; shared by the requests of a batch. */
  private static final class Ids {
    private final long index;
    private int nextSlot;

    Ids(long index) {
      this.index = index;
    }

    long next() {
      if (index < 0 || nextSlot >= SLOTS_PER_ENTRY) {
        throw new IllegalStateException("entry " + index + " cannot allocate id " + nextSlot);
      }
      return (index << 8) | nextSlot++;
    }
  }
}
