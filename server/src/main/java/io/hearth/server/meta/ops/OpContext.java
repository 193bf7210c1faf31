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
  private final long nowNs;
  private final Ids ids;

  /**
   * @param index the log index of the entry being applied, or -1 for a read that allocates nothing
   */
  public OpContext(Txn txn, Caller caller, long nowNs, long index) {
    this(txn, caller, nowNs, new Ids(index));
  }

  private OpContext(Txn txn, Caller caller, long nowNs, Ids ids) {
    this.txn = txn;
    this.caller = caller;
    this.nowNs = nowNs;
    this.ids = ids;
  }

  /** The context of the next request of a batch: same entry, same ids pool, its own caller. */
  public OpContext forCaller(Caller other) {
    return new OpContext(txn, other, nowNs, ids);
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
