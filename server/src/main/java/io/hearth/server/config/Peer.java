package io.hearth.server.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A server as configured: {@code id@host:port[:streamPort]}. {@code port} serves Raft and client
 * RPCs (gRPC); {@code streamPort} serves block writes (Ratis DataStream) and defaults to {@code
 * port + STREAM_PORT_OFFSET}.
 */
public record Peer(String id, String host, int port, int streamPort) {
  public static final int STREAM_PORT_OFFSET = 1000;
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  public Peer {
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "node id '" + id + "': use 1-64 letters, digits, '_', '.', '-'");
    }
    checkPort(port);
    checkPort(streamPort);
    if (port == streamPort) {
      throw new IllegalArgumentException("node " + id + ": port and stream port are both " + port);
    }
  }

  public Peer(String id, String host, int port) {
    this(id, host, port, port + STREAM_PORT_OFFSET);
  }

  private static void checkPort(int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " out of range 1-65535");
    }
  }

  public String address() {
    return host + ":" + port;
  }

  public String streamAddress() {
    return host + ":" + streamPort;
  }

  /** Parses {@code id@host:port[:streamPort]}. */
  public static Peer parse(String s) {
    int at = s.indexOf('@');
    String[] hp = at <= 0 ? new String[0] : s.substring(at + 1).split(":", -1);
    if (hp.length < 2 || hp.length > 3 || hp[0].isEmpty()) {
      throw new IllegalArgumentException("peer '" + s + "': expected id@host:port[:streamPort]");
    }
    try {
      int port = Integer.parseInt(hp[1]);
      String id = s.substring(0, at);
      return hp.length == 2
          ? new Peer(id, hp[0], port)
          : new Peer(id, hp[0], port, Integer.parseInt(hp[2]));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("peer '" + s + "': port is not a number");
    }
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
    return id + "@" + address() + ":" + streamPort;
  }
}
