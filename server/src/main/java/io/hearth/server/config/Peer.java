package io.hearth.server.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** A member of the meta group as configured: {@code id@host:port}. */
public record Peer(String id, String host, int port) {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  public Peer {
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "node id '" + id + "': use 1-64 letters, digits, '_', '.', '-'");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " out of range 1-65535");
    }
  }

  public String address() {
    return host + ":" + port;
  }

  /** Parses {@code id@host:port}. */
  public static Peer parse(String s) {
    int at = s.indexOf('@');
    int colon = s.lastIndexOf(':');
    if (at <= 0 || colon < at) {
      throw new IllegalArgumentException("peer '" + s + "': expected id@host:port");
    }
    return new Peer(
        s.substring(0, at), s.substring(at + 1, colon), Integer.parseInt(s.substring(colon + 1)));
  }

  /** Parses a comma-separated list of peers. */
  public static List<Peer> parseList(String s) {
    List<Peer> out = new ArrayList<>();
    for (String p : s.split(",")) {
      if (!p.isBlank()) {
        out.add(parse(p.trim()));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no peers given");
    }
    return out;
  }

  @Override
  public String toString() {
    return id + "@" + address();
  }
}
