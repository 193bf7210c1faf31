package io.hearth.server.meta.ops;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.Names;
import io.hearth.server.meta.store.InodeRecord;

/** What every operation that adds a name to a directory checks first. */
final class CreateChecks {
  private CreateChecks() {}

  /** The parent of a new name, checked: exists, is a directory, writable, name free. */
  static InodeRecord parentForNewName(OpContext ctx, Resolver.Resolved r) throws HearthException {
    if (r.node() != null || r.isDotOrDotDot()) {
      throw new HearthException(Errno.EEXIST, "entry exists: " + Names.toString(r.name()));
    }
    InodeRecord parent = r.parent();
    Permissions.check(
        ctx.caller(), parent, Permissions.W | Permissions.X, "cannot write directory");
    if (parent.nlink <= 0) {
      throw new HearthException(Errno.ENOENT, "directory was removed");
    }
    return parent;
  }

  static void checkLinkCount(InodeRecord r) throws HearthException {
    if (r.nlink >= Limits.LINK_MAX) {
      throw new HearthException(Errno.EMLINK, "inode " + r.ino + " has " + r.nlink + " links");
    }
  }
}
