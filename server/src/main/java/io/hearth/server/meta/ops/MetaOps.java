package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import java.util.EnumMap;
import java.util.Map;

/** Routes a request to its operation and turns an expected failure into an errno reply. */
public final class MetaOps {
  private final Map<MetaRequest.OpCase, MetaOp> ops = new EnumMap<>(MetaRequest.OpCase.class);

  public MetaOps(StatfsOp.Capacity capacity) {
    ops.put(MetaRequest.OpCase.LOOKUP, new LookupOp());
    ops.put(MetaRequest.OpCase.MKDIR, new MkdirOp());
    ops.put(MetaRequest.OpCase.READDIR, new ReaddirOp());
    ops.put(MetaRequest.OpCase.STATFS, new StatfsOp(capacity));
    ops.put(MetaRequest.OpCase.SETATTR, new SetattrOp());
    ops.put(MetaRequest.OpCase.MKNOD, new MknodOp());
    ops.put(MetaRequest.OpCase.UNLINK, new UnlinkOp());
    ops.put(MetaRequest.OpCase.RMDIR, new RmdirOp());
    ops.put(MetaRequest.OpCase.RENAME, new RenameOp());
    ops.put(MetaRequest.OpCase.LINK, new LinkOp());
    ops.put(MetaRequest.OpCase.SYMLINK, new SymlinkOp());
    ops.put(MetaRequest.OpCase.READLINK, new ReadlinkOp());
    ops.put(MetaRequest.OpCase.ACCESS, new AccessOp());
    ops.put(MetaRequest.OpCase.SETXATTR, new SetxattrOp());
    ops.put(MetaRequest.OpCase.GETXATTR, new GetxattrOp());
    ops.put(MetaRequest.OpCase.LISTXATTR, new ListxattrOp());
    ops.put(MetaRequest.OpCase.REMOVEXATTR, new RemovexattrOp());
  }

  /** The op for a request, or null when this build does not know it. */
  public MetaOp op(MetaRequest req) {
    return ops.get(req.getOpCase());
  }

  /** Whether a request is answered without a log entry; unknown ops count as writes. */
  public boolean isReadOnly(MetaRequest req) {
    MetaOp op = op(req);
    return op != null && op.readOnly();
  }

  /** Runs a request; the txn holds its writes only when the reply is a success. */
  public MetaReply execute(OpContext ctx, MetaRequest req) {
    MetaOp op = op(req);
    if (op == null) {
      return error(new HearthException(Errno.ENOSYS, "unknown operation " + req.getOpCase()));
    }
    try {
      return op.apply(ctx, req);
    } catch (HearthException e) {
      return error(e);
    }
  }

  public static MetaReply error(HearthException e) {
    return MetaReply.newBuilder().setErrno(e.errno().code()).setError(e.detail()).build();
  }

  public static MetaReply ok() {
    return MetaReply.getDefaultInstance();
  }
}
