package io.hearth.client;

import io.hearth.protocol.Errno;
import io.hearth.protocol.Groups;
import io.hearth.protocol.HearthException;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;

/**
 * The servers a client may talk to: {@code host:port,host:port,...}, each optionally prefixed by
 * its node id ({@code n1@host:port}). Any one reachable member is enough to find the others.
 */
public record ClusterSpec(List<Member> members) {
  public static final String ENV = "HEARTH_CLUSTER";

  /** One server address; {@code id} is null when the spec did not name it. */
  public record Member(String id, String host, int port) {
    public String address() {
      return host + ":" + port;
    }
  }

  public static ClusterSpec parse(String spec) throws HearthException {
    if (spec == null || spec.isBlank()) {
      throw new HearthException(
          Errno.EINVAL, "no cluster given: pass --cluster host:port,... or set " + ENV);
    }
    List<Member> out = new ArrayList<>();
    for (String part : spec.split(",")) {
      String s = part.trim();
      if (s.isEmpty()) {
        continue;
      }
      String id = null;
      int at = s.indexOf('@');
      if (at >= 0) {
        id = s.substring(0, at);
        s = s.substring(at + 1);
      }
      String[] hp = s.split(":", -1);
      if (hp.length == 3) {
        s = hp[0] + ":" + hp[1]; // host:port:streamPort, as servers' --peers lists them
      }
      int colon = s.lastIndexOf(':');
      if (colon <= 0 || hp.length > 3) {
        throw new HearthException(
            Errno.EINVAL, "cluster member '" + part + "': expected host:port");
      }
      int port;
      try {
        port = Integer.parseInt(s.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new HearthException(Errno.EINVAL, "cluster member '" + part + "': bad port");
      }
      if (port < 1 || port > 65535) {
        throw new HearthException(Errno.EINVAL, "cluster member '" + part + "': port out of range");
      }
      out.add(new Member(id, s.substring(0, colon), port));
    }
    if (out.isEmpty()) {
      throw new HearthException(Errno.EINVAL, "cluster spec '" + spec + "' names no server");
    }
    return new ClusterSpec(List.copyOf(out));
  }

  /** The spec from {@code --cluster} when given, else from $HEARTH_CLUSTER. */
  public static ClusterSpec fromFlagOrEnv(String flag) throws HearthException {
    return parse(flag != null ? flag : System.getenv(ENV));
  }

  /**
   * An id for a member given by address alone. Ratis routes by address and learns the real ids from
   * the leader's replies; the placeholder only has to be unique within one client.
   */
  public static String placeholderId(Member m) {
    return "addr-" + m.host().replace(':', '_') + "-" + m.port();
  }

  /** The meta group as this spec names it: real ids where given, placeholders elsewhere. */
  public RaftGroup metaGroup() {
    List<RaftPeer> peers =
        members.stream()
            .map(
                m ->
                    RaftPeer.newBuilder()
                        .setId(m.id() != null ? m.id() : placeholderId(m))
                        .setAddress(m.address())
                        .build())
            .toList();
    return RaftGroup.valueOf(RaftGroupId.valueOf(Groups.META), peers);
  }

  @Override
  public String toString() {
    return String.join(",", members.stream().map(Member::address).toList());
  }
}
