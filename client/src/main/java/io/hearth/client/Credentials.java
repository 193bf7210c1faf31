package io.hearth.client;

import io.hearth.protocol.meta.Caller;
import java.util.List;

/** The uid, gid and supplementary groups the server checks permissions against. */
public record Credentials(int uid, int gid, List<Integer> groups) {
  public static final Credentials ROOT = new Credentials(0, 0, List.of());

  public Credentials {
    groups = List.copyOf(groups);
  }

  /** The credentials of this process, or root when the platform does not tell. */
  public static Credentials ofProcess() {
    try {
      var u = new com.sun.security.auth.module.UnixSystem();
      List<Integer> groups = new java.util.ArrayList<>();
      for (long g : u.getGroups()) {
        groups.add((int) g);
      }
      return new Credentials((int) u.getUid(), (int) u.getGid(), groups);
    } catch (LinkageError | RuntimeException e) {
      return ROOT;
    }
  }

  public Caller toCaller() {
    return Caller.newBuilder().setUid(uid).setGid(gid).addAllGroups(groups).build();
  }
}
