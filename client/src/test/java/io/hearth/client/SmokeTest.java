package io.hearth.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void mkdirStatList() throws Exception {
    try (InProcessCluster c = new InProcessCluster(3);
        HearthClient h = HearthClient.connect(c.spec())) {
      // A read as the very first request lands during the first election: it must wait, not fail.
      assertTrue(h.stat("/").isDir());
      Stat d = h.mkdir("/a", 0755);
      assertTrue(d.isDir());
      assertEquals(d.ino(), h.stat("/a").ino());
      h.mkdir("/a/b", 0700);
      assertEquals(1, h.list("/a", true).size());
      HearthException e = assertThrows(HearthException.class, () -> h.mkdir("/a", 0755));
      assertEquals(Errno.EEXIST, e.errno());
      assertEquals(
          Errno.ENOENT, assertThrows(HearthException.class, () -> h.stat("/nope")).errno());
      assertTrue(h.statfs().blocks() > 0);
    }
  }
}
