package io.hearth.server.meta.ops;

import com.google.protobuf.ByteString;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.meta.BlockRef;
import io.hearth.protocol.meta.Extent;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.ReadMapReply;
import io.hearth.protocol.meta.ReadMapReq;
import io.hearth.server.meta.store.ExtentRecord;
import io.hearth.server.meta.store.InodeRecord;
import java.util.List;

/**
 * read_map: where the bytes [off, off + len) of a regular file are, with its attributes from the
 * same snapshot. The extents overlapping the range come in file order, each clipped to the range
 * (file_off, block_off and len adjusted); holes are absent. A page holds at most max_extents
 * ({@link Limits#READ_MAP_EXTENTS_MAX} when 0 or larger); {@code more} says extents of the range
 * follow the last one returned, and the next page starts at its end.
 *
 * <p>Resolves like write (EISDIR for a directory, EINVAL for other types) and, like it, checks no
 * permission beyond searching the path: read permission is checked when the file is opened. The
 * BlockRefs carry no committed_ns: the meta group does not keep it.
 */
final class ReadMapOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    ReadMapReq q = req.getReadMap();
    InodeRecord node = Resolver.regularFile(ctx, q.getLoc());
    int max =
        q.getMaxExtents() == 0
            ? Limits.READ_MAP_EXTENTS_MAX
            : (int)
                Math.min(Integer.toUnsignedLong(q.getMaxExtents()), Limits.READ_MAP_EXTENTS_MAX);
    ReadMapReply.Builder out = ReadMapReply.newBuilder().setAttr(node.toAttr());
    long off = q.getOff();
    // off and len are u64; no extent lies at or past 2^63, so the range is clipped to below it
    if (off >= 0) {
      long end =
          q.getLen() < 0 || q.getLen() > Long.MAX_VALUE - off ? Long.MAX_VALUE : off + q.getLen();
      List<ExtentRecord> found = ChunkMap.overlapping(ctx.txn(), node.ino, off, end, max + 1);
      for (int i = 0; i < Math.min(found.size(), max); i++) {
        ExtentRecord e = found.get(i);
        out.addExtents(toExtent(e.slice(Math.max(e.fileOff(), off), Math.min(e.end(), end))));
      }
      out.setMore(found.size() > max);
    }
    return MetaReply.newBuilder().setReadMap(out).build();
  }

  private static Extent toExtent(ExtentRecord e) {
    if (e.isInline()) {
      return Extent.newBuilder()
          .setFileOff(e.fileOff())
          .setLen(e.len())
          .setInline(ByteString.copyFrom(e.inline()))
          .build();
    }
    return Extent.newBuilder()
        .setFileOff(e.fileOff())
        .setLen(e.len())
        .setBlock(BlockRef.newBuilder().setGroup(e.group()).setId(e.blockId()))
        .setBlockOff(e.blockOff())
        .build();
  }

  @Override
  public boolean readOnly() {
    return true;
  }
}
