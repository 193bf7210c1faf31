package io.hearth.server.meta.ops;

import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.server.OpRecorder;

/**
 * An op that reports its outcome and duration to a recorder: an expected failure with its errno, a
 * success as 0. A broken invariant is not recorded; it stops the process.
 */
record RecordedOp(MetaRequest.OpCase opCase, MetaOp op, OpRecorder recorder) implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    long startNs = recorder.startNs();
    try {
      MetaReply reply = op.apply(ctx, req);
      recorder.record(opCase, !op.readOnly(req), reply.getErrno(), startNs);
      return reply;
    } catch (HearthException e) {
      recorder.record(opCase, !op.readOnly(req), e.errno().code(), startNs);
      throw e;
    }
  }

  @Override
  public boolean readOnly() {
    return op.readOnly();
  }

  @Override
  public boolean readOnly(MetaRequest req) {
    return op.readOnly(req);
  }
}
