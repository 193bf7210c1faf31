package io.hearth.server.meta.ops;

import io.hearth.protocol.Limits;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.StatfsReply;

/** statfs: capacity of the serving node's storage, and inodes in use from the namespace. */
public final class StatfsOp implements MetaOp {
  /** Bytes of storage: where they come from is the server's business, not the namespace's. */
  public interface Capacity {
    long totalBytes();

    long freeBytes();

    long availableBytes();
  }

  static final int BLOCK_SIZE = 4096;

  /** Inodes are keys in RocksDB, bounded by space, not by a table: report a large fixed ceiling. */
  static final long FILES_MAX = 1L << 40;

  private final Capacity capacity;

  StatfsOp(Capacity capacity) {
    this.capacity = capacity;
  }

  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) {
    long files = Namespace.inodeCount(ctx.txn());
    return MetaReply.newBuilder()
        .setStatfs(
            StatfsReply.newBuilder()
                .setBlockSize(BLOCK_SIZE)
                .setBlocks(capacity.totalBytes() / BLOCK_SIZE)
                .setBlocksFree(capacity.freeBytes() / BLOCK_SIZE)
                .setBlocksAvail(capacity.availableBytes() / BLOCK_SIZE)
                .setFiles(FILES_MAX)
                .setFilesFree(FILES_MAX - files)
                .setNameMax(Limits.NAME_MAX_BYTES))
        .build();
  }

  @Override
  public boolean readOnly() {
    return true;
  }
}
