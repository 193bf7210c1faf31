package io.hearth.client.vfs;

import io.hearth.client.meta.MetaClient;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.MetaReply;
import io.hearth.protocol.meta.MetaRequest;
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
        try {
          return port.write(stamp(req, fence.sessionFor(ino)));
        } catch (HearthException e) {
          return CompletableFuture.failedFuture(e);
        }
      }

      @Override
      public List<CompletableFuture<MetaReply>> writeAll(List<MetaRequest> reqs) {
        long s;
        try {
          s = fence.sessionFor(ino);
        } catch (HearthException e) {
          return reqs.stream().map(r -> CompletableFuture.<MetaReply>failedFuture(e)).toList();
        }
        return port.writeAll(reqs.stream().map(r -> stamp(r, s)).toList());
      }
    };
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
