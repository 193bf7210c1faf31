package io.hearth.rpc;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import java.io.IOException;

/**
 * A request a server refused before it became a log entry (malformed, too large, a read sent as a
 * write) or a read it could not answer, as it crosses Ratis: the server fails the request with a
 * Refusal, Ratis sends its class name and message, and the client's Ratis rebuilds it by calling
 * the {@code (String)} constructor. The message is the wire form, {@code [errno N] NAME: detail}:
 * the number is what counts (names are for people reading logs), and {@link #errno} reads it back.
 *
 * <p>Everything else an errno travels in is a reply field ({@code MetaReply.errno}, {@code
 * DataReply.errno}), decoded by {@link ReplyCodec}.
 */
public final class Refusal extends IOException {
  private static final String PREFIX = "[errno ";

  /** Ratis rebuilds a refusal on the client from its message alone. */
  public Refusal(String wireMessage) {
    super(wireMessage);
  }

  /** The refusal that carries {@code e} across Ratis. */
  public static Refusal of(HearthException e) {
    return new Refusal(PREFIX + e.errno().code() + "] " + e.getMessage());
  }

  /** The HearthException this refusal carries; EIO for a message not in the wire form. */
  public HearthException toHearth() {
    return decode(getMessage(), this);
  }

  /** Decodes the wire form; EIO (with the whole text) for anything else. */
  static HearthException decode(String message, Throwable cause) {
    String m = String.valueOf(message);
    int at = m.indexOf(PREFIX);
    if (at >= 0) {
      int close = m.indexOf(']', at);
      if (close > at + PREFIX.length()) {
        try {
          Errno errno = Errno.of(Integer.parseInt(m.substring(at + PREFIX.length(), close)));
          String rest = m.substring(Math.min(m.length(), close + 2));
          String name = errno.name() + ": ";
          return new HearthException(
              errno, rest.startsWith(name) ? rest.substring(name.length()) : rest, cause);
        } catch (NumberFormatException ignored) {
          // not ours after all
        }
      }
    }
    return new HearthException(Errno.EIO, m, cause);
  }
}
