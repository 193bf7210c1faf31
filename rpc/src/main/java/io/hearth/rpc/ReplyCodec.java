package io.hearth.rpc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.SessionEndedException;
import io.hearth.protocol.data.DataReply;
import io.hearth.protocol.meta.MetaReply;
import java.io.IOException;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The one codec between Hearth's requests and replies and Ratis: messages out, replies back, and
 * every failure as a {@link HearthException} with its errno. Errnos travel as numbers: in the
 * {@code errno} field of a reply (an operation that ran and failed), or in a {@link Refusal} (a
 * request the server refused to run). Servers build their error replies here too, so both ends of
 * the wire read one definition.
 */
public final class ReplyCodec {
  private ReplyCodec() {}

  // ---- out ----

  public static Message message(com.google.protobuf.MessageLite request) {
    return Message.valueOf(ByteString.copyFrom(request.toByteArray()));
  }

  /** The reply of an operation that failed with {@code e} (servers). */
  public static MetaReply metaError(HearthException e) {
    return MetaReply.newBuilder()
        .setErrno(e.errno().code())
        .setError(e.detail())
        .setSessionEnded(e instanceof SessionEndedException)
        .build();
  }

  /** The reply of a data-group operation that failed with {@code e} (servers). */
  public static DataReply dataError(HearthException e) {
    return DataReply.newBuilder().setErrno(e.errno().code()).setError(e.detail()).build();
  }

  // ---- back ----

  /** A successful meta reply, or the failure it (or the transport) reports. */
  public static MetaReply meta(RaftClientReply reply) throws HearthException {
    return check(parseMeta(content(reply)));
  }

  /** A successful data reply, or the failure it (or the transport) reports. */
  public static DataReply data(RaftClientReply reply) throws HearthException {
    return check(parseData(content(reply)));
  }

  /** The reply's bytes as they came (a block read's), or its failure. */
  public static ByteString content(RaftClientReply reply) throws HearthException {
    if (!reply.isSuccess()) {
      throw failure(reply.getException());
    }
    return reply.getMessage().getContent();
  }

  public static MetaReply parseMeta(ByteString content) throws HearthException {
    try {
      return MetaReply.parseFrom(content.asReadOnlyByteBuffer());
    } catch (InvalidProtocolBufferException e) {
      throw new HearthException(Errno.EIO, "unreadable reply from a meta server", e);
    }
  }

  public static DataReply parseData(ByteString content) throws HearthException {
    try {
      return DataReply.parseFrom(content.asReadOnlyByteBuffer());
    } catch (InvalidProtocolBufferException e) {
      throw new HearthException(Errno.EIO, "unreadable reply from a data server", e);
    }
  }

  /** {@code r} if it reports success, else its errno as an exception. */
  public static MetaReply check(MetaReply r) throws HearthException {
    if (r.getSessionEnded()) {
      throw new SessionEndedException(r.getError());
    }
    if (r.getErrno() != 0) {
      throw new HearthException(Errno.of(r.getErrno()), r.getError());
    }
    return r;
  }

  public static DataReply check(DataReply r) throws HearthException {
    if (r.getErrno() != 0) {
      throw new HearthException(Errno.of(r.getErrno()), r.getError());
    }
    return r;
  }

  /**
   * Any failure of a call, as an errno: the server's own (a refusal), ETIMEDOUT when Ratis's client
   * gave up retrying, EHOSTUNREACH for a transport failure, EIO for the rest.
   */
  public static HearthException failure(Throwable t) {
    Throwable c = Futures.unwrap(t);
    if (c instanceof HearthException h) {
      return h;
    }
    if (c instanceof Refusal r) {
      return r.toHearth();
    }
    if (c instanceof StateMachineException sme) {
      return sme.getCause() instanceof Refusal r
          ? r.toHearth()
          : Refusal.decode(sme.getMessage(), sme);
    }
    if (c instanceof RaftRetryFailureException) {
      return new HearthException(
          Errno.ETIMEDOUT,
          "no leader answered; is a majority of servers up? (hearth admin status) "
              + c.getMessage(),
          c);
    }
    if (c instanceof AlreadyClosedException) {
      return new HearthException(Errno.EIO, "client closed", c);
    }
    if (c instanceof IOException) {
      return new HearthException(Errno.EHOSTUNREACH, "cluster unreachable: " + c.getMessage(), c);
    }
    return new HearthException(Errno.EIO, String.valueOf(c), c);
  }

  /**
   * Whether a failure says nothing about the request itself (no leader, leader moved, unreachable,
   * or an attempt Ratis's client gave up on), so an idempotent call may be sent again.
   */
  public static boolean isTransient(HearthException e) {
    return e.errno() == Errno.EHOSTUNREACH || e.getCause() instanceof RaftRetryFailureException;
  }

  /**
   * Whether a write was refused by the leader before it was logged (stepping down, handing
   * leadership over, not the leader), so sending it again cannot apply it twice.
   */
  public static boolean refusedBeforeLogging(HearthException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof LeaderSteppingDownException
          || t instanceof TransferLeadershipException
          || t instanceof LeaderNotReadyException
          || t instanceof NotLeaderException) {
        return true;
      }
    }
    return false;
  }
}
