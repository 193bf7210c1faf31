package io.hearth.client.vfs;

import io.hearth.client.meta.MetaClient;
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
