package io.hearth.client.vfs;

import io.hearth.protocol.FileMode;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.meta.Loc;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.SetattrReq;
import io.hearth.protocol.meta.TimeHow;

/**
 * A change of attributes made through an open file (fchmod, fchown, futimens) that waits for the
 * file's next commit instead of being a commit of its own: `tar x` and `cp -a` set times, owner and
 * mode on every file they write, just before closing it, and each would otherwise cost a Raft
 * commit.
 *
 * <p>Only a change whose outcome is certain waits ({@link #mayWait}): made by root or the owner,
 * changing neither owner nor group, and taking no permission bit away. So a waiting change never
 * fails when it is committed, and while it waits nobody has rights the change would have taken from
 * them: the namespace shows the file as it was (more restrictive or equal), the mount shows it as
 * it will be. Anything else is committed at once, after the changes waiting before it.
 *
 * <p>{@link #applyTo} predicts the namespace's result (the rules of the server's SetattrOp, for the
 * changes that may wait); the reply of the commit replaces the prediction.
 *
 * @param nowNs the client's time of the call, for a time set to "now" in the prediction
 */
record AttrChange(SetattrReq change, Caller caller, long nowNs) {

  /**
   * Whether {@code s}, asked by {@code c} of a file whose attributes are {@code base}, may wait.
   */
  static boolean mayWait(Attr base, Caller c, SetattrReq s) {
    boolean root = c.getUid() == 0;
    if (s.hasSize() || !(root || c.getUid() == base.getUid())) {
      return false;
    }
    if ((s.hasUid() && s.getUid() != base.getUid())
        || (s.hasGid() && s.getGid() != base.getGid())) {
      return false; // a new owner or group changes who may do what: at once
    }
    int setIds = FileMode.S_ISUID | FileMode.S_ISGID;
    if ((s.hasUid() || s.hasGid())
        && !FileMode.isDir(base.getMode())
        && (base.getMode() & setIds) != 0) {
      return false; // a chown drops setuid/setgid: at once
    }
    if (s.hasMode()) {
      int was = base.getMode() & FileMode.PERM_MASK;
      int next = s.getMode() & FileMode.PERM_MASK;
      if ((was & ~next) != 0) {
        return false; // takes a bit away: at once
      }
      if ((next & FileMode.S_ISGID) != 0 && !root && !inGroup(c, base.getGid())) {
        return false; // the namespace drops that setgid: a bit taken away, at once
      }
    }
    return s.getAtime().getHow() != TimeHow.UNRECOGNIZED
        && s.getMtime().getHow() != TimeHow.UNRECOGNIZED;
  }

  /** The request that commits this change to inode {@code ino}. */
  MetaRequest request(long ino) {
    return MetaRequest.newBuilder()
        .setCaller(caller)
        .setSetattr(change.toBuilder().setLoc(Loc.newBuilder().setBase(ino)))
        .build();
  }

  /** {@code a} with this change applied, as the namespace will apply it. */
  Attr applyTo(Attr a) {
    Attr.Builder b = a.toBuilder();
    int mode = a.getMode();
    if (change.hasUid() || change.hasGid()) {
      // a chown, even to the same ids, drops setuid, and setgid where it means "run as group"
      if (!FileMode.isDir(mode)) {
        mode = FileMode.dropPrivileges(mode);
      }
    }
    if (change.hasMode()) {
      int perm = change.getMode() & FileMode.PERM_MASK;
      if (caller.getUid() != 0 && !inGroup(caller, a.getGid())) {
        perm &= ~FileMode.S_ISGID;
      }
      mode = FileMode.type(mode) | perm;
    }
    b.setMode(mode);
    if (change.getAtime().getHow() != TimeHow.TIME_OMIT) {
      b.setAtimeNs(time(change.getAtime().getHow(), change.getAtime().getNs()));
    }
    if (change.getMtime().getHow() != TimeHow.TIME_OMIT) {
      b.setMtimeNs(time(change.getMtime().getHow(), change.getMtime().getNs()));
    }
    return b.setCtimeNs(nowNs).build();
  }

  /** Whether the change sets a time: data written after it must be committed after it. */
  boolean setsTime() {
    return change.getAtime().getHow() != TimeHow.TIME_OMIT
        || change.getMtime().getHow() != TimeHow.TIME_OMIT;
  }

  private long time(TimeHow how, long ns) {
    return how == TimeHow.TIME_NOW ? nowNs : ns;
  }

  private static boolean inGroup(Caller c, int gid) {
    return c.getGid() == gid || c.getGroupsList().contains(gid);
  }
}
