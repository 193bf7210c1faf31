package io.hearth.server.meta.ops;

import com.google.protobuf.ByteString;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.meta.DirEntry;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.ReaddirReply;
import io.hearth.server.meta.store.Dentry;
import io.hearth.server.meta.store.InodeRecord;
import io.hearth.server.meta.store.KeySchema;
import java.util.Map;

/**
 * readdir: one page of entries in cookie order, resuming after the given cookie (0 = from the
 * start). "." and ".." are not listed; the caller adds them. Needs read permission.
 */
final class ReaddirOp implements MetaOp {
  @Override
  public MetaReply apply(OpContext ctx, MetaRequest req) throws HearthException {
    var q = req.getReaddir();
    InodeRecord dir = Resolver.existing(ctx, q.getLoc(), true);
    if (!dir.isDir()) {
      throw new HearthException(Errno.ENOTDIR, "not a directory: inode " + dir.ino);
    }
    Permissions.check(ctx.caller(), dir, Permissions.R, "cannot read directory");
    int max =
        q.getMaxEntries() == 0
            ? Limits.READDIR_PAGE_MAX_ENTRIES
            : Math.min(q.getMaxEntries(), Limits.READDIR_PAGE_MAX_ENTRIES);
    byte[] prefix = KeySchema.dirOrderPrefix(dir.ino);
    byte[] after = q.getCookie() == 0 ? null : KeySchema.dirOrder(dir.ino, q.getCookie());
    var page = ctx.txn().scan(prefix, after, max + 1);
    ReaddirReply.Builder out = ReaddirReply.newBuilder();
    for (int i = 0; i < Math.min(page.size(), max); i++) {
      Map.Entry<byte[], byte[]> e = page.get(i);
      Dentry d = Dentry.decodeOrder(KeySchema.dirOrderCookie(e.getKey()), e.getValue());
      DirEntry.Builder de =
          DirEntry.newBuilder()
              .setName(ByteString.copyFrom(d.name()))
              .setIno(d.ino())
              .setMode(d.type())
              .setCookie(d.cookie());
      if (q.getPlus()) {
        de.setAttr(Namespace.loadLinked(ctx.txn(), d).toAttr());
      }
      out.addEntries(de);
    }
    out.setEof(page.size() <= max);
    return MetaReply.newBuilder().setReaddir(out).build();
  }

  @Override
  public boolean readOnly() {
    return true;
  }
}
