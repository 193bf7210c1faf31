package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.Loc;
import io.hearth.server.meta.store.InodeRecord;

/** What every operation that removes a name from a directory checks first (Linux's may_delete). */
final class RemoveChecks {
  private RemoveChecks() {}

  /**
   * The entry a Loc's last name is, the last symlink not followed. A Loc without names names an
   * inode, not an entry: Linux answers that case ("/") with {@code noName}.
   */
  static Resolver.Resolved entry(OpContext ctx, Loc loc, Errno noName) throws HearthException {
    if (loc.getNamesCount() == 0) {
      throw new HearthException(noName, "the operation needs an entry, not an inode alone");
    }
    return Resolver.resolve(ctx, loc, false);
  }

  /**
   * The inode about to lose the entry {@code r}: it exists, its directory is writable and
   * searchable, and a sticky directory lets the caller remove it.
   */
  static InodeRecord victim(OpContext ctx, Resolver.Resolved r) throws HearthException {
    InodeRecord node = r.existing();
    Permissions.check(
        ctx.caller(), r.parent(), Permissions.W | Permissions.X, "cannot write directory");
    Permissions.checkSticky(ctx.caller(), r.parent(), node);
    return node;
  }

  /** rmdir wants a directory, unlink anything else; rename wants the target like the source. */
  static void checkType(InodeRecord victim, boolean wantDir) throws HearthException {
    if (wantDir && !victim.isDir()) {
      throw new HearthException(Errno.ENOTDIR, "not a directory: inode " + victim.ino);
    }
    if (!wantDir && victim.isDir()) {
      throw new HearthException(Errno.EISDIR, "is a directory: inode " + victim.ino);
    }
  }
}
