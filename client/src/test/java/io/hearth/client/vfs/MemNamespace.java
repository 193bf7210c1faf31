package io.hearth.client.vfs;

import com.google.protobuf.ByteString;
import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.Extent;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.ReadMapReply;
import io.hearth.protocol.posix.SetattrRule;
import io.hearth.rpc.ReplyCodec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * An in-memory namespace of regular files for unit tests of the file layer: it applies writes
 * (block extents resolved through {@link MemBlocks}, inline ones as they are), setattrs (with the
 * server's own {@link SetattrRule}) and chunk-map reads, one entry at a time, and records every
 * entry it applied. Tests can make it refuse setattrs or fail writes.
 */
final class MemNamespace implements MetaPort {
  private final MemBlocks blocks;
  private final Map<Long, Attr> attrs = new HashMap<>();
  private final Map<Long, byte[]> contents = new HashMap<>();
  private final List<List<MetaRequest>> entries = new ArrayList<>();
  private long index = 100;
  private long nowNs = 1_000_000_000L;
  private Errno failWrites;
  private Errno refuseSetattrs;

  MemNamespace(MemBlocks blocks) {
    this.blocks = blocks;
  }

  synchronized Attr create(long ino, int perm, int uid, int gid) {
    Attr a =
        Attr.newBuilder()
            .setIno(ino)
            .setMode(FileMode.S_IFREG | perm)
            .setUid(uid)
            .setGid(gid)
            .setNlink(1)
            .setDataVersion(++index)
            .build();
    attrs.put(ino, a);
    contents.put(ino, new byte[0]);
    return a;
  }

  synchronized Attr attr(long ino) {
    return attrs.get(ino);
  }

  synchronized byte[] content(long ino) {
    return contents.get(ino).clone();
  }

  /** The entries applied so far, each as the requests it carried. */
  synchronized List<List<MetaRequest>> entries() {
    return List.copyOf(entries);
  }

  synchronized void failWrites(Errno e) {
    failWrites = e;
  }

  synchronized void refuseSetattrs(Errno e) {
    refuseSetattrs = e;
  }

  /** Another client appends to the file (a commit of its own). */
  synchronized Attr appendAsOther(long ino, byte[] more) {
    byte[] c = contents.get(ino);
    byte[] n = Arrays.copyOf(c, c.length + more.length);
    System.arraycopy(more, 0, n, c.length, more.length);
    contents.put(ino, n);
    Attr a =
        attrs.get(ino).toBuilder()
            .setSize(n.length)
            .setDataVersion(++index)
            .setMtimeNs(++nowNs)
            .setCtimeNs(nowNs)
            .build();
    attrs.put(ino, a);
    return a;
  }

  @Override
  public synchronized CompletableFuture<MetaReply> read(MetaRequest req) {
    try {
      return CompletableFuture.completedFuture(ReplyCodec.check(apply(req)));
    } catch (HearthException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<MetaReply> write(MetaRequest req) {
    return writeAll(List.of(req)).get(0);
  }

  @Override
  public synchronized List<CompletableFuture<MetaReply>> writeAll(List<MetaRequest> reqs) {
    entries.add(List.copyOf(reqs));
    index++;
    nowNs += 1000;
    List<CompletableFuture<MetaReply>> out = new ArrayList<>();
    for (MetaRequest r : reqs) {
      MetaReply reply = apply(r);
      out.add(
          reply.getErrno() == 0
              ? CompletableFuture.completedFuture(reply)
              : CompletableFuture.failedFuture(
                  new HearthException(Errno.of(reply.getErrno()), reply.getError())));
    }
    return out;
  }

  private MetaReply apply(MetaRequest r) {
    try {
      return switch (r.getOpCase()) {
        case WRITE -> applyWrite(r);
        case SETATTR -> setattr(r);
        case READ_MAP -> readMap(r);
        case LOOKUP ->
            MetaReply.newBuilder().setAttr(existing(r.getLookup().getLoc().getBase())).build();
        default -> throw new HearthException(Errno.ENOSYS, r.getOpCase().toString());
      };
    } catch (HearthException e) {
      return ReplyCodec.metaError(e);
    }
  }

  private Attr existing(long ino) throws HearthException {
    Attr a = attrs.get(ino);
    if (a == null) {
      throw new HearthException(Errno.ENOENT, "no inode " + ino);
    }
    return a;
  }

  private MetaReply applyWrite(MetaRequest r) throws HearthException {
    if (failWrites != null) {
      throw new HearthException(failWrites, "writes fail here");
    }
    long ino = r.getWrite().getLoc().getBase();
    Attr a = existing(ino);
    byte[] c = contents.get(ino);
    boolean changed = false;
    for (Extent e : r.getWrite().getExtentsList()) {
      if (e.getReplacesInline()) {
        continue; // the same bytes, moved into their block
      }
      byte[] bytes =
          e.getInline().isEmpty()
              ? blocks.bytes(e.getBlock(), e.getBlockOff(), e.getLen())
              : e.getInline().toByteArray();
      long end = e.getFileOff() + bytes.length;
      if (end > c.length) {
        c = Arrays.copyOf(c, (int) end);
      }
      System.arraycopy(bytes, 0, c, (int) e.getFileOff(), bytes.length);
      changed = true;
    }
    if (changed) {
      contents.put(ino, c);
      a =
          a.toBuilder()
              .setSize(Math.max(a.getSize(), c.length))
              .setDataVersion(index)
              .setMtimeNs(nowNs)
              .setCtimeNs(nowNs)
              .build();
      attrs.put(ino, a);
    }
    return MetaReply.newBuilder().setAttr(a).build();
  }

  private MetaReply setattr(MetaRequest r) throws HearthException {
    if (refuseSetattrs != null) {
      throw new HearthException(refuseSetattrs, "setattrs refused here");
    }
    long ino = r.getSetattr().getLoc().getBase();
    Attr a = existing(ino);
    Attr next = SetattrRule.apply(a, r.getCaller(), r.getSetattr(), nowNs);
    if (next.getSize() != a.getSize()) {
      contents.put(ino, Arrays.copyOf(contents.get(ino), (int) next.getSize()));
      next = next.toBuilder().setDataVersion(index).build();
    }
    attrs.put(ino, next);
    return MetaReply.newBuilder().setAttr(next).build();
  }

  private MetaReply readMap(MetaRequest r) throws HearthException {
    long ino = r.getReadMap().getLoc().getBase();
    Attr a = existing(ino);
    byte[] c = contents.get(ino);
    long off = r.getReadMap().getOff();
    long end = Math.min(c.length, off + r.getReadMap().getLen());
    ReadMapReply.Builder out = ReadMapReply.newBuilder().setAttr(a);
    if (off < end) {
      out.addExtents(
          Extent.newBuilder()
              .setFileOff(off)
              .setLen((int) (end - off))
              .setInline(ByteString.copyFrom(c, (int) off, (int) (end - off))));
    }
    return MetaReply.newBuilder().setReadMap(out).build();
  }
}
