package io.hearth.client.vfs;

import io.hearth.protocol.meta.Attr;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * What an open file shows of itself beyond what the namespace said: the attribute changes this
 * client made and has not committed yet, in order (those sealed with blocks first, then the waiting
 * ones), laid over the namespace's latest attributes. Never a stale size: the size is the
 * namespace's or the end of this client's pending writes, whichever is larger, so that a file
 * another node appends to is seen growing here while this client holds it open.
 *
 * <p>Not thread-safe: guarded by its inode's lock.
 */
final class AttrOverlay {
  private final Deque<AttrChange> uncommitted = new ArrayDeque<>();

  void add(AttrChange c) {
    uncommitted.addLast(c);
  }

  /** The first {@code changes} went into the namespace with a commit. */
  void committed(List<AttrChange> changes) {
    for (AttrChange c : changes) {
      if (uncommitted.peekFirst() == c) {
        uncommitted.removeFirst();
      } else {
        uncommitted.remove(c);
      }
    }
  }

  /** Everything uncommitted is lost (the writes with it). */
  void clear() {
    uncommitted.clear();
  }

  boolean isEmpty() {
    return uncommitted.isEmpty();
  }

  /**
   * {@code namespace} as this client shows it, with pending writes ending at {@code pendingEnd}.
   */
  Attr over(Attr namespace, long pendingEnd) {
    Attr a = namespace;
    for (AttrChange c : uncommitted) {
      a = c.applyTo(a);
    }
    return a.getSize() >= pendingEnd ? a : a.toBuilder().setSize(pendingEnd).build();
  }
}
