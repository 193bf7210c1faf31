package io.hearth.rpc;

import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.datastream.SupportedDataStreamType;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.TimeDuration;

/**
 * Every Ratis client Hearth makes, client library and servers alike, is built here from a named
 * {@link Profile}: how long one attempt may take, and how Ratis retries a failed attempt (with the
 * same call id, so a retried write is answered from the servers' retry cache: exactly once).
 * Retries wait a jittered {@link Backoff} ({@link JitteredRetryPolicy}), so clients that failed
 * together do not come back together.
 */
public final class RaftClients {
  private RaftClients() {}

  /**
   * How a client behaves.
   *
   * @param requestTimeoutMs one attempt's timeout
   * @param attemptsMax attempts Ratis makes before it fails the call (1: no retry)
   * @param backoff the wait between attempts (unused with one attempt)
   * @param readGiveUpMs 0, or how long Ratis keeps retrying one read before failing it (a read this
   *     client already sent again must not live on for minutes)
   * @param streamTimeoutMs 0, or a DataStream request's timeout (block writes)
   */
  public record Profile(
      String name,
      long requestTimeoutMs,
      int attemptsMax,
      Backoff backoff,
      long readGiveUpMs,
      long streamTimeoutMs) {
    public Profile {
      if (requestTimeoutMs <= 0 || attemptsMax < 1) {
        throw new IllegalArgumentException("client profile " + name);
      }
    }

    /** The same profile with another per-attempt timeout. */
    public Profile withTimeoutMs(long ms) {
      return new Profile(name, ms, attemptsMax, backoff, readGiveUpMs, streamTimeoutMs);
    }
  }

  private static final Backoff SHORT = new Backoff(20, 200);

  /**
   * The namespace: 3 s attempts retried (same call id) for as long as a caller waits (the meta
   * client bounds each call at 60 s); a read gives up after 10 s so that the meta client's own
   * re-send takes over.
   */
  public static final Profile META = new Profile("meta", 3_000, 600, SHORT, 10_000, 0);

  /** Reads of one chosen data replica: one attempt, the caller picks the next replica. */
  public static final Profile DATA_READ = new Profile("data-read", 5_000, 1, SHORT, 0, 6_000);

  /** Block writes: the forward of the block's commit waits out a data-group election. */
  public static final Profile DATA_WRITE =
      new Profile("data-write", 5_000, 100, new Backoff(50, 200), 0, 6_000);

  /** Membership and admin calls: a few attempts, half a second apart. */
  public static final Profile ADMIN =
      new Profile("admin", 5_000, 10, new Backoff(250, 1_000), 0, 0);

  /** A server's own services (GC, the mover): a few attempts. */
  public static final Profile SERVICE =
      new Profile("service", 10_000, 4, new Backoff(200, 1_000), 0, 0);

  /**
   * A session's keep-alive, which the leader holds for up to {@code waitMs}: one attempt (the
   * session's loop retries, with its own backoff) that may take the wait and a margin.
   */
  public static Profile sessionPoll(long waitMs) {
    return new Profile("session-poll", waitMs + 3_000, 3, SHORT, 0, 0);
  }

  /** One question with a deadline, no retry: status surveys, probes, repair fetches. */
  public static Profile askOnce(long timeoutMs) {
    return new Profile("ask-once", timeoutMs, 1, SHORT, 0, 0);
  }

  /** A client of {@code group} behaving as {@code p}. */
  public static RaftClient of(RaftGroup group, Profile p) {
    return builder(group, p).build();
  }

  /** A client whose DataStreams enter {@code group} at {@code primary}. */
  public static RaftClient streaming(RaftGroup group, RaftPeer primary, Profile p) {
    return builder(group, p).setPrimaryDataStreamServer(primary).build();
  }

  private static RaftClient.Builder builder(RaftGroup group, Profile p) {
    return RaftClient.newBuilder()
        .setRaftGroup(group)
        .setProperties(properties(p))
        .setRetryPolicy(retryPolicy(p));
  }

  static RaftProperties properties(Profile p) {
    RaftProperties props = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(props, ms(p.requestTimeoutMs()));
    if (p.streamTimeoutMs() > 0) {
      RaftConfigKeys.DataStream.setType(props, SupportedDataStreamType.NETTY);
      RaftClientConfigKeys.DataStream.setRequestTimeout(props, ms(p.streamTimeoutMs()));
    }
    return props;
  }

  static RetryPolicy retryPolicy(Profile p) {
    if (p.attemptsMax() == 1) {
      return RetryPolicies.noRetry();
    }
    RetryPolicy each =
        new JitteredRetryPolicy(p.backoff(), p.attemptsMax(), ThreadLocalRandom::current);
    if (p.readGiveUpMs() == 0) {
      return each;
    }
    RequestTypeDependentRetryPolicy.Builder byType = RequestTypeDependentRetryPolicy.newBuilder();
    for (RaftClientRequestProto.TypeCase t : RaftClientRequestProto.TypeCase.values()) {
      byType.setRetryPolicy(t, each);
    }
    byType.setTimeout(RaftClientRequestProto.TypeCase.READ, ms(p.readGiveUpMs()));
    return byType.build();
  }

  private static TimeDuration ms(long ms) {
    return TimeDuration.valueOf(ms, TimeUnit.MILLISECONDS);
  }

  public static void closeQuietly(RaftClient c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException | RuntimeException ignored) {
      // closing anyway
    }
  }
}
