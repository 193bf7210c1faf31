package io.hearth.client.meta;

import io.hearth.protocol.HearthException;

/** Test access to how the client maps a raw Ratis failure to an errno. */
public final class RaftReplies {
  private RaftReplies() {}

  public static HearthException toHearth(Throwable t) {
    return MetaClient.toHearth(t);
  }
}
