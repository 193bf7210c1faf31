package io.hearth.client.vfs;

import io.hearth.client.meta.MetaClient;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.SessionEndedException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.rpc.Futures;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the file layer asks of the namespace: reads, writes, and writes applied together in one
 * entry. The meta client in production; an in-memory namespace in unit tests. A failed reply
 * completes its future with the HearthException of its errno.
 */
public interface MetaPort {
  CompletableFuture<MetaReply> read(MetaRequest req);

  CompletableFuture<MetaReply> write(MetaRequest req);

  /** Writes applied in this order in one log entry; each gets its own reply. */
  List<CompletableFuture<MetaReply>> writeAll(List<MetaRequest> reqs);

  /**
   * {@code port} with the changes to inode {@code ino} carrying the session its locks belong to
   * ({@link Fence}), or failing with EIO when those locks were lost.
   */
  static MetaPort fenced(MetaPort port, Fence fence, long ino) {
    return new MetaPort() {
      @Override
      public CompletableFuture<MetaReply> read(MetaRequest req) {
        return port.read(req);
      }

      @Override
      public CompletableFuture<MetaReply> write(MetaRequest req) {
        long s;
        try {
          s = fence.sessionFor(ino);
        } catch (HearthException e) {
          return CompletableFuture.failedFuture(e);
        }
        return lostAsEio(port.write(stamp(req, s)), s, ino);
      }

      @Override
      public List<CompletableFuture<MetaReply>> writeAll(List<MetaRequest> reqs) {
        long s;
        try {
          s = fence.sessionFor(ino);
        } catch (HearthException e) {
          return reqs.stream().map(r -> CompletableFuture.<MetaReply>failedFuture(e)).toList();
        }
        return port.writeAll(reqs.stream().map(r -> stamp(r, s)).toList()).stream()
            .map(f -> lostAsEio(f, s, ino))
            .toList();
      }
    };
  }

  /**
   * A change stamped with the session of the file's locks and refused because that session ended
   * fails with EIO, as NFS fails a descriptor whose lock was lost (not ESTALE: the file is there).
   */
  private static CompletableFuture<MetaReply> lostAsEio(
      CompletableFuture<MetaReply> f, long session, long ino) {
    if (session == 0) {
      return f;
    }
    return f.exceptionallyCompose(
        t ->
            CompletableFuture.failedFuture(
                Futures.unwrap(t) instanceof SessionEndedException e
                    ? new HearthException(
                        Errno.EIO, "the locks on inode " + ino + " were lost with their session", e)
                    : t));
  }

  private static MetaRequest stamp(MetaRequest r, long session) {
    return session == 0 ? r : r.toBuilder().setSession(session).build();
  }

  static MetaPort of(MetaClient meta) {
    return new MetaPort() {
      @Override
      public CompletableFuture<MetaReply> read(MetaRequest req) {
        return meta.read(req);
      }

      @Override
      public CompletableFuture<MetaReply> write(MetaRequest req) {
        return meta.write(req);
      }

      @Override
      public List<CompletableFuture<MetaReply>> writeAll(List<MetaRequest> reqs) {
        return meta.writeAll(reqs);
      }
    };
  }
}
