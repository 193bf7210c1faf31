package io.hearth.client.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.ClusterSpec;
import io.hearth.client.InProcessCluster;
import io.hearth.client.meta.MetaClient;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A session of real servers: what its listeners hear when it ends, and on which thread. */
class ClientSessionTest {
  private static InProcessCluster cluster;
  private static MetaClient meta;

  @BeforeAll
  static void start() throws Exception {
    cluster = new InProcessCluster(3);
    meta = new MetaClient(ClusterSpec.parse(cluster.spec()).metaGroup());
  }

  @AfterAll
  static void stop() throws Exception {
    meta.close();
    cluster.close();
  }

  /**
   * A refusal is noticed on the thread that completes a reply, whose waiter may hold a monitor the
   * listeners take (a lease hand-back holds its file's while it waits for the reply): heard there,
   * the listener and the waiter wait for each other for ever. The stopped-bridge test of the mount
   * hung so once in three runs.
   */
  @Test
  void theEndOfASessionIsHeardOnAThreadOfItsOwnAndTheNextNeedOpensANewOne() throws Exception {
    try (ClientSession session =
        new ClientSession(meta, new ClientSession.Description("h", "/m", "test", 3_000))) {
      Object fileMonitor = new Object();
      CompletableFuture<Thread> heard = new CompletableFuture<>();
      session.listen(
          new ClientSession.Listener() {
            @Override
            public void lost(long s) {
              synchronized (fileMonitor) {
                heard.complete(Thread.currentThread());
              }
            }
          });
      long first = session.id();
      synchronized (fileMonitor) { // as a hand-back waiting for its refused reply
        session.ended(first);
        assertEquals(0, session.currentOrZero(), "no longer stamped on requests");
      }
      Thread listener = heard.get(10, TimeUnit.SECONDS);
      assertNotSame(Thread.currentThread(), listener);
      long second = session.id();
      assertTrue(second != 0);
      assertNotEquals(first, second, "a new session");
    }
  }
}
