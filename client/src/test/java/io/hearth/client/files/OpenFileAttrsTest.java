package io.hearth.client.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.Credentials;
import io.hearth.client.FileBytes;
import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import io.hearth.client.InProcessCluster;
import io.hearth.client.Stat;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * fchmod, fchown and futimens through an open file: what may wait for the file's next commit (it
 * takes no right away and is certain to succeed) is shown by this client at once and by every
 * client after close; what may not is committed at once. Either way the result is the one the calls
 * would give one at a time, in their order.
 */
class OpenFileAttrsTest {
  private static final long T1 = 1_000_000_000_000_000_000L; // 2001-09-09, in ns
  private static InProcessCluster cluster;
  private static HearthClient client;
  private static HearthClient other;

  @BeforeAll
  static void start() throws Exception {
    cluster = new InProcessCluster(3);
    client = HearthClient.connect(cluster.spec());
    other = HearthClient.connect(cluster.spec());
    client.mkdir("/shared", 0777);
  }

  @AfterAll
  static void stop() throws Exception {
    other.close();
    client.close();
    cluster.close();
  }

  private static HearthFile create(HearthClient c, String path, int mode) throws Exception {
    return c.open(path, HearthFile.O_WRONLY | HearthFile.O_CREAT | HearthFile.O_EXCL, mode);
  }

  @Test
  void tarsChangesWaitForTheCloseAndKeepTheirTimes() throws Exception {
    byte[] data = "#define X 1\n".getBytes(StandardCharsets.UTF_8);
    Stat before;
    try (HearthFile f = create(client, "/tar.h", 0600)) {
      f.write(ByteBuffer.wrap(data));
      f.utimens(HearthClient.UTIME_OMIT, T1); // as tar x: times, owner, mode, then close
      f.chown(0, 0);
      Stat shown = f.chmod(0644);
      assertEquals(0644, shown.perm());
      assertEquals(T1, shown.mtimeNs());
      assertEquals(0644, f.stat().perm(), "this client shows the changes at once");
      assertEquals(T1, client.stat("/tar.h").mtimeNs());
      before = other.stat("/tar.h");
    }
    assertEquals(0600, before.perm(), "another client sees the file as the namespace has it");
    Stat after = other.stat("/tar.h");
    assertEquals(0644, after.perm());
    assertEquals(T1, after.mtimeNs(), "the data commit did not move mtime past the utimens");
    assertEquals(data.length, after.size());
    assertArrayEquals(data, FileBytes.read(other, "/tar.h"));
  }

  @Test
  void dataWrittenAfterAUtimensMovesMtimeAfterIt() throws Exception {
    try (HearthFile f = create(client, "/late.txt", 0644)) {
      f.utimens(T1, T1);
      f.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
    }
    Stat s = other.stat("/late.txt");
    assertEquals(T1, s.atimeNs());
    assertTrue(s.mtimeNs() > T1, "the write came after the utimens: mtime is the write's");
    assertEquals(3, s.size());
  }

  @Test
  void aChangeThatTakesARightAwayIsCommittedAtOnce() throws Exception {
    try (HearthFile f = create(client, "/secret", 0644)) {
      f.chmod(0600);
      assertEquals(0600, other.stat("/secret").perm(), "others lose read access before close");
      f.chmod(0640); // adds a bit: may wait
      assertEquals(0600, other.stat("/secret").perm());
      f.chown(-1, 100); // another group: at once, after the waiting chmod
      Stat s = other.stat("/secret");
      assertEquals(100, s.gid());
      assertEquals(0640, s.perm());
    }
  }

  @Test
  void changesThatCannotBeMadeFailAtOnce() throws Exception {
    Credentials ana = new Credentials(1000, 1000, List.of());
    HearthClient asAna = client.withCredentials(ana);
    try (HearthFile f = create(asAna, "/shared/ana.txt", 0644)) {
      HearthException e = assertThrows(HearthException.class, () -> f.chown(0, -1));
      assertEquals(Errno.EPERM, e.errno());
      Credentials bob = new Credentials(1001, 1001, List.of());
      e = assertThrows(HearthException.class, () -> f.chmod(0666, bob));
      assertEquals(Errno.EPERM, e.errno(), "not the owner");
      e = assertThrows(HearthException.class, () -> f.utimens(T1, T1, bob));
      assertEquals(Errno.EPERM, e.errno());
      assertEquals(0664, f.chmod(0664).perm(), "the owner may");
    }
    assertEquals(0664, other.stat("/shared/ana.txt").perm());
    assertEquals(1000, other.stat("/shared/ana.txt").uid());
  }
}
