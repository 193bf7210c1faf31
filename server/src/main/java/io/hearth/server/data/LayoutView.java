package io.hearth.server.data;

import com.google.protobuf.ByteString;
import io.hearth.protocol.Groups;
import io.hearth.protocol.meta.DataGroup;
import io.hearth.protocol.meta.DataPeer;
import io.hearth.protocol.meta.LayoutReply;
import io.hearth.server.config.Peer;
import java.nio.ByteBuffer;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroupId;

/** The layout as clients see it (the LayoutReq answer), and group ids back to numbers. */
public final class LayoutView {
  private LayoutView() {}

  public static LayoutReply toReply(DataLayout layout) {
    LayoutReply.Builder b = LayoutReply.newBuilder();
    for (DataLayout.Group g : layout.groups()) {
      DataGroup.Builder dg = DataGroup.newBuilder().setNumber(g.number()).setUuid(uuid(g.number()));
      for (Peer p : g.peers()) {
        dg.addPeers(
            DataPeer.newBuilder()
                .setId(p.id())
                .setAddress(p.address())
                .setStreamAddress(p.streamAddress()));
      }
      b.addGroups(dg);
    }
    return b.build();
  }

  private static ByteString uuid(int n) {
    UUID u = Groups.data(n);
    return ByteString.copyFrom(
        ByteBuffer.allocate(16)
            .putLong(u.getMostSignificantBits())
            .putLong(u.getLeastSignificantBits())
            .array());
  }

  /** The layout number of a data group id. */
  public static int groupNumber(DataLayout layout, RaftGroupId gid) {
    for (DataLayout.Group g : layout.groups()) {
      if (Groups.data(g.number()).equals(gid.getUuid())) {
        return g.number();
      }
    }
    throw new IllegalArgumentException("group " + gid + " is not in the data layout");
  }
}
