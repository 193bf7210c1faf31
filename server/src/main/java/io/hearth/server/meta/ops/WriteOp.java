package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.meta.Extent;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.WriteReq;
import io.hearth.server.meta.store.ExtentRecord;
import io.hearth.server.meta.store.InodeRecord;
import io.hearth.server.meta.store.KeySchema;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * write: commits data already stored as blocks in data groups, or small data inline (the bytes in
 * the extent, kept in the namespace; at most {@link Limits#INLINE_WRITE_MAX_BYTES} per write). The
 * extents replace the file's bytes in their ranges, in list order (a later one wins where two
 * overlap); the size grows to the end of the last byte written and never shrinks; mtime and ctime
 * become the entry's time. A write without extents changes nothing, as write(2) of 0 bytes. A write
 * by anyone but root drops setuid and setgid ({@link FileMode#dropPrivileges}), as Linux's write(2)
 * does.
 *
 * <p>An extent marked {@code replaces_inline} moves bytes an fsync committed inline into their
 * block: it applies only where the file still holds that very inline extent (same offset, length
 * and CRC32C), else it is skipped, so it never undoes a write made since. It changes neither size
 * nor times: the data did not change.
 *
 * <p>Checks, all before anything is written: the Loc names a regular file, a symlink at the end
 * followed as open(2) follows it (EISDIR for a directory, EINVAL for other types); at most {@link
 * Limits#WRITE_EXTENTS_MAX} extents (E2BIG); each has a block, is not empty and lies inside its
 * block (EINVAL) and inside the largest file (EFBIG). No permission is checked beyond searching the
 * path: POSIX checks write permission when a file is opened, and a process keeps writing through
 * its descriptor after a chmod, so that check belongs to the client's open.
 *
 * <p>Blocks the GC may be deleting are refused with ESTALE, and the client writes that data again
 * in a new block: one committed more than the commit window before this entry (the orphan scan
 * deletes unreferenced blocks older than twice the window, so a late reference could point at a
 * deleted block), and one waiting in the GC queue (it was referenced, then dropped).
 */
final class WriteOp implements MetaOp {
  private final long commitWindowNs;

  WriteOp(long commitWindowNs) {
    this.commitWindowNs = commitWindowNs;
  }

  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    WriteReq w = req.getWrite();
    InodeRecord node = Resolver.regularFile(ctx, w.getLoc());
    if (w.getExtentsCount() > Limits.WRITE_EXTENTS_MAX) {
      throw new HearthException(Errno.E2BIG, w.getExtentsCount() + " extents in one write");
    }
    if (w.getExtentsCount() == 0) {
      return MetaOps.attr(node);
    }
    List<ExtentRecord> extents = new ArrayList<>(w.getExtentsCount());
    List<Integer> crcs = new ArrayList<>(w.getExtentsCount()); // null: not a compaction
    long end = node.size;
    long inlineBytes = 0;
    for (Extent e : w.getExtentsList()) {
      inlineBytes += e.getInline().size();
      if (inlineBytes > Limits.INLINE_WRITE_MAX_BYTES) {
        throw new HearthException(Errno.E2BIG, inlineBytes + "+ inline bytes in one write");
      }
      if (e.getReplacesInline() && !e.getInline().isEmpty()) {
        throw new HearthException(Errno.EINVAL, "only a block extent replaces inline bytes");
      }
      ExtentRecord r = e.getInline().isEmpty() ? check(ctx, e) : checkInline(e);
      extents.add(r);
      crcs.add(e.getReplacesInline() ? e.getInlineCrc32C() : null);
      if (!e.getReplacesInline()) {
        end = Math.max(end, r.end());
      }
    }
    ChunkMap map = new ChunkMap(ctx.txn());
    boolean changedData = false;
    for (int i = 0; i < extents.size(); i++) {
      ExtentRecord r = extents.get(i);
      Integer crc = crcs.get(i);
      if (crc == null) {
        map.put(node.ino, r);
        changedData = true;
      } else if (holdsInline(ctx, node.ino, r, crc)) {
        map.put(node.ino, r);
      }
    }
    map.settle();
    if (changedData) {
      node.dataVersion = ctx.index();
      node.size = end;
      node.mtimeNs = ctx.nowNs();
      node.ctimeNs = ctx.nowNs();
      if (!ctx.isRoot()) {
        node.mode = FileMode.dropPrivileges(node.mode);
      }
      Namespace.save(ctx.txn(), node);
    }
    return MetaOps.attr(node);
  }

  /** Whether the file holds, at r's offset, an inline extent of r's length with that CRC32C. */
  private static boolean holdsInline(OpContext ctx, long ino, ExtentRecord r, int crc) {
    byte[] v = ctx.txn().get(KeySchema.extent(ino, r.fileOff()));
    if (v == null) {
      return false;
    }
    ExtentRecord held = ExtentRecord.decode(KeySchema.extent(ino, r.fileOff()), v);
    if (!held.isInline() || held.len() != r.len()) {
      return false;
    }
    CRC32C c = new CRC32C();
    c.update(held.inline());
    return (int) c.getValue() == crc;
  }

  private ExtentRecord check(OpContext ctx, Extent e) throws HearthException {
    if (!e.hasBlock()) {
      throw new HearthException(Errno.EINVAL, "extent at " + e.getFileOff() + " has no block");
    }
    long len = Integer.toUnsignedLong(e.getLen());
    long blockOff = Integer.toUnsignedLong(e.getBlockOff());
    if (len == 0 || blockOff + len > Limits.BLOCK_MAX_BYTES) {
      throw new HearthException(
          Errno.EINVAL, "extent [" + blockOff + ", +" + len + ") of a block is not in a block");
    }
    long fileOff = e.getFileOff();
    if (fileOff < 0 || fileOff + len > Limits.FILE_SIZE_MAX_BYTES) {
      throw new HearthException(
          Errno.EFBIG, "extent at " + Long.toUnsignedString(fileOff) + " passes the largest file");
    }
    ExtentRecord r =
        new ExtentRecord(
            fileOff, (int) len, e.getBlock().getGroup(), e.getBlock().getId(), (int) blockOff);
    if (tooOld(ctx.nowNs(), e.getBlock().getCommittedNs())) {
      throw new HearthException(
          Errno.ESTALE, "block " + r.block() + " was committed before the commit window");
    }
    if (ChunkMap.queued(ctx.txn(), r.block())) {
      throw new HearthException(Errno.ESTALE, "block " + r.block() + " is queued for deletion");
    }
    return r;
  }

  /** An inline extent: bytes only, inside the largest file. */
  private static ExtentRecord checkInline(Extent e) throws HearthException {
    long fileOff = e.getFileOff();
    int len = e.getInline().size();
    if (e.hasBlock() || e.getBlockOff() != 0 || Integer.toUnsignedLong(e.getLen()) != len) {
      throw new HearthException(
          Errno.EINVAL, "inline extent at " + fileOff + " also names a block or another length");
    }
    if (fileOff < 0 || fileOff + len > Limits.FILE_SIZE_MAX_BYTES) {
      throw new HearthException(
          Errno.EFBIG,
          "inline data at " + Long.toUnsignedString(fileOff) + " passes the largest file");
    }
    return ExtentRecord.inline(fileOff, e.getInline().toByteArray());
  }

  /** now - committed > window, without overflow for any values. */
  private boolean tooOld(long nowNs, long committedNs) {
    return committedNs < nowNs && Long.compareUnsigned(nowNs - committedNs, commitWindowNs) > 0;
  }

  @Override
  public boolean readOnly() {
    return false;
  }
}
