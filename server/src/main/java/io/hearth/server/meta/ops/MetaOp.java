package io.hearth.server.meta.ops;

import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;

/**
 * One namespace operation. {@link #apply} must be deterministic: it may read only the txn, the
 * request and the context, and throws {@link HearthException} for an expected failure (nothing it
 * wrote is then committed). Anything else it throws is a broken invariant.
 */
public interface MetaOp {
  MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException;

  /** True when the op never writes: it is answered by a linearizable read, not a log entry. */
  boolean readOnly();

  /**
   * Whether this request of the op is a read: {@link #readOnly()} unless the op's requests differ
   * (an open without O_CREAT or O_TRUNC reads; with them it is a log entry).
   */
  default boolean readOnly(MetaRequest req) {
    return readOnly();
  }
}
