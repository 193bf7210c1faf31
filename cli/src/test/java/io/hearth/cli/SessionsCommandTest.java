package io.hearth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.ClusterSpec;
import io.hearth.client.HearthClient;
import io.hearth.client.InProcessCluster;
import org.junit.jupiter.api.Test;

/** hearth admin sessions lists a client's session; evict ends it, and a second evict is refused. */
class SessionsCommandTest {
  @Test
  void sessionsListsAClientAndEvictEndsIt() throws Exception {
    try (InProcessCluster c = new InProcessCluster(3);
        HearthClient h =
            HearthClient.connect(
                ClusterSpec.parse(c.spec()),
                new HearthClient.SessionOptions("/mnt/test", 10_000, true))) {
      long id = h.sessionId();
      var listed = AdminCli.run(c.spec(), "sessions");
      assertEquals(0, listed.status(), listed::toString);
      assertTrue(
          listed.out().lines().anyMatch(l -> l.startsWith(id + " ") && l.contains("/mnt/test")),
          listed::toString);
      var json = AdminCli.run(c.spec(), "sessions", "--json");
      assertTrue(json.out().contains("\"session\":" + id), json::toString);

      var evicted = AdminCli.run(c.spec(), "evict", Long.toString(id));
      assertEquals(0, evicted.status(), evicted::toString);
      var again = AdminCli.run(c.spec(), "evict", Long.toString(id));
      assertEquals(HearthCli.EXIT_FAILED, again.status(), again::toString);
      assertTrue(again.err().contains("ENOENT"), again::toString);
      var after = AdminCli.run(c.spec(), "sessions");
      assertTrue(after.out().lines().noneMatch(l -> l.startsWith(id + " ")), after::toString);
    }
  }
}
