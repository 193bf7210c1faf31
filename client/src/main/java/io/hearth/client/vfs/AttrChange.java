package io.hearth.client.vfs;

import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.Caller;
import io.hearth.protocol.meta.Loc;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.SetattrReq;
import io.hearth.protocol.posix.Access;
import io.hearth.protocol.posix.SetattrRule;

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
 * <p>{@link #applyTo} predicts the namespace's result with the server's own rule ({@link
 * SetattrRule}); the reply of the commit replaces the prediction.
 *
 * @param nowNs the client's time of the call, for a time set to "now" in the prediction
 */
record AttrChange(SetattrReq change, Caller caller, long nowNs) {

  /**
   * Whether {@code s}, asked by {@code c} of a file whose attributes are {@code base}, may wait: no
   * size, made by root or the owner, and, as {@link SetattrRule} decides it on {@code base},
   * allowed and taking no right away (same owner and group, no permission bit removed).
   */
  static boolean mayWait(Attr base, Caller c, SetattrReq s) {
    if (s.hasSize() || !Access.isOwnerOrRoot(c, base.getUid())) {
      return false;
    }
    try {
      return SetattrRule.takesNoRightAway(base, SetattrRule.apply(base, c, s, 0));
    } catch (HearthException refused) {
      return false; // committed at once, so the caller hears the refusal now
    }
  }

  /** The request that commits this change to inode {@code ino}. */
  MetaRequest request(long ino) {
    return MetaRequest.newBuilder()
        .setCaller(caller)
        .setSetattr(change.toBuilder().setLoc(Loc.newBuilder().setBase(ino)))
        .build();
  }

  /**
   * {@code a} with this change applied, as the namespace will apply it ({@link SetattrRule}, the
   * server's own rule); {@code a} unchanged should the rule refuse it on these attributes (the
   * commit then reports the refusal).
   */
  Attr applyTo(Attr a) {
    try {
      return SetattrRule.apply(a, caller, change, nowNs);
    } catch (HearthException refused) {
      return a;
    }
  }
}
