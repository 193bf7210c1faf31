package io.hearth.client.vfs;

import com.google.protobuf.ByteString;
import io.hearth.protocol.Limits;
import io.hearth.protocol.meta.BlockRef;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32C;

/**
 * Written bytes not yet in the namespace: a block being filled, then uploaded, then committed. The
 * block is a log of writes: each {@link Piece} says which file range a run of its bytes holds, in
 * write order, so random small writes share one block instead of one block each. Later pieces win
 * where pieces overlap (the namespace applies them in the same order).
 *
 * <p>Not thread-safe: guarded by its {@link OpenInode}'s lock, except that the bytes are read by
 * the upload once the block is sealed (and never written after).
 */
final class PendingBlock {
  /** A run of the block's bytes: file range [fileOff, fileOff + len) at blockOff. */
  record Piece(long fileOff, int blockOff, int len) {
    long end() {
      return fileOff + len;
    }
  }

  private final BlockBuffers pool;
  private ByteBuffer buf;
  private int used;
  private final List<Piece> pieces = new ArrayList<>();
  private CompletableFuture<BlockRef> upload;
  private boolean inline;

  /** Bytes of this block's log, from its start, already committed inline by an fsync. */
  private int journaled;

  /** Who wrote the block's bytes: the first writer that is not root, else the first writer. */
  private io.hearth.protocol.meta.Caller writer;

  /** Attribute changes made before this block was sealed, committed right after its bytes. */
  private List<AttrChange> then = List.of();

  PendingBlock(BlockBuffers pool, int firstWriteBytes) {
    this.pool = pool;
    this.buf = pool.take(firstWriteBytes);
  }

  void writtenBy(io.hearth.protocol.meta.Caller c) {
    if (writer == null || (writer.getUid() == 0 && c.getUid() != 0)) {
      writer = c;
    }
  }

  io.hearth.protocol.meta.Caller writer() {
    return writer;
  }

  int free() {
    return Limits.BLOCK_MAX_BYTES - used;
  }

  int used() {
    return used;
  }

  boolean sealed() {
    return upload != null;
  }

  /** Appends bytes for file offset {@code fileOff}; the caller checks {@link #free}. */
  void append(long fileOff, ByteBuffer src, int n) {
    if (used + n > buf.capacity()) {
      buf = pool.grow(buf, used, used + n);
    }
    buf.put(used, src, src.position(), n);
    src.position(src.position() + n);
    Piece last = pieces.isEmpty() ? null : pieces.get(pieces.size() - 1);
    if (last != null
        && last.end() == fileOff
        && last.blockOff() + last.len() == used
        && last.blockOff() >= journaled) {
      pieces.set(pieces.size() - 1, new Piece(last.fileOff(), last.blockOff(), last.len() + n));
    } else {
      pieces.add(new Piece(fileOff, used, n));
    }
    used += n;
  }

  /** Copies this block's bytes for file range [off, off + len) into dst (in piece order). */
  void overlay(long off, byte[] dst, int dstOff, int len) {
    long end = off + len;
    for (Piece p : pieces) {
      long s = Math.max(off, p.fileOff());
      long e = Math.min(end, p.end());
      if (s < e) {
        buf.get(
            p.blockOff() + (int) (s - p.fileOff()), dst, dstOff + (int) (s - off), (int) (e - s));
      }
    }
  }

  long maxEnd() {
    long m = 0;
    for (Piece p : pieces) {
      m = Math.max(m, p.end());
    }
    return m;
  }

  List<Piece> pieces() {
    return pieces;
  }

  boolean isEmpty() {
    return pieces.isEmpty();
  }

  /** The bytes to upload (valid once sealed). */
  ByteBuffer bytes() {
    return buf.slice(0, used); // writable view: a read-only one would be copied by the transport
  }

  /** Gives the buffer back to the pool; the block is committed or dropped. */
  ByteBuffer takeBuffer() {
    ByteBuffer b = buf;
    buf = null;
    return b;
  }

  void seal(CompletableFuture<BlockRef> upload) {
    this.upload = upload;
  }

  /**
   * Whether the bytes may be committed inline, in the namespace, instead of as a block: few, and
   * all below the inline limit of a file (see Limits.INLINE_FILE_MAX_BYTES).
   */
  boolean fitsInline() {
    return used <= Limits.INLINE_WRITE_MAX_BYTES && maxEnd() <= Limits.INLINE_FILE_MAX_BYTES;
  }

  /** Seals the block to be committed inline: there is nothing to upload. */
  void sealInline() {
    inline = true;
    upload = CompletableFuture.completedFuture(null);
  }

  boolean isInline() {
    return inline;
  }

  /** Commits {@code changes} right after this block's bytes, in one Raft entry with them. */
  void then(List<AttrChange> changes) {
    then = List.copyOf(changes);
  }

  List<AttrChange> then() {
    return then;
  }

  /** A sealed block of no bytes that only carries attribute changes. */
  static PendingBlock changesOnly(BlockBuffers pool, List<AttrChange> changes) {
    PendingBlock b = new PendingBlock(pool, 0);
    b.then(changes);
    b.sealInline();
    return b;
  }

  /** Bytes of this block's log committed inline by earlier fsyncs (see {@link #journalTail}). */
  int journaled() {
    return journaled;
  }

  /** Bytes appended since the last {@link #journalTail}. */
  int unjournaled() {
    return used - journaled;
  }

  /**
   * A sealed inline block of the bytes appended since the last call (the log range [journaled,
   * used), as the file ranges the pieces give them), to be committed ahead of this block: an
   * fsync's write-ahead. This block keeps every byte, so its own commit later replaces the inline
   * extents with the block. Its pieces are never merged across the journaled mark, so a piece is
   * either journaled whole or not at all.
   */
  PendingBlock journalTail() {
    PendingBlock tail = new PendingBlock(pool, unjournaled());
    tail.writer = writer;
    for (Piece p : pieces) {
      if (p.blockOff() + p.len() <= journaled) {
        continue;
      }
      tail.append(p.fileOff(), buf.slice(p.blockOff(), p.len()), p.len());
    }
    journaled = used;
    tail.sealInline();
    return tail;
  }

  /** Whether an fsync committed this piece inline already (see {@link #journalTail}). */
  boolean isJournaled(Piece p) {
    return p.blockOff() + p.len() <= journaled;
  }

  /** The CRC32C of one piece's bytes, as the namespace checks it for an inline extent. */
  int pieceCrc32c(Piece p) {
    CRC32C c = new CRC32C();
    c.update(buf.slice(p.blockOff(), p.len()));
    return (int) c.getValue();
  }

  /** A copy of one piece's bytes, for an inline extent. */
  ByteString pieceBytes(Piece p) {
    return ByteString.copyFrom(buf.slice(p.blockOff(), p.len()));
  }

  CompletableFuture<BlockRef> upload() {
    return upload;
  }
}
