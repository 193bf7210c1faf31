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
import io.hearth.client.vfs.OpenInode;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.SetattrReq;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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

  private static final Credentials ANA = new Credentials(1000, 1000, List.of());

  @Test
  void aChangeToAFileNoLongerOpenIsCommittedAtOnce() throws Exception {
    OpenInode n;
    try (HearthFile f = create(client, "/retired", 0600)) {
      n = client.vfs().find(f.ino());
    }
    // A chmod by path that found the inode just before its last handle closed.
    n.setattr(
        SetattrReq.newBuilder().setMode(0644).build(),
        Credentials.ROOT.toCaller(),
        client.stat("/retired").toAttr());
    assertEquals(0644, other.stat("/retired").perm(), "nothing would commit it later");
  }

  @Test
  void aWaitingChangeTheNamespaceRefusesFailsTheCloseNotTheData() throws Exception {
    HearthClient asAna = client.withCredentials(ANA);
    byte[] data = "ana's notes\n".getBytes(StandardCharsets.UTF_8);
    HearthFile f = create(asAna, "/shared/refused", 0600);
    f.write(ByteBuffer.wrap(data));
    f.chmod(0640); // adds a bit: waits
    other.chown("/shared/refused", 2000, -1); // root gives the file away meanwhile
    f.truncate(4); // commits what waits first: the chmod is refused, the truncate is not
    HearthException e = assertThrows(HearthException.class, f::close);
    assertEquals(Errno.EIO, e.errno(), "the chmod ana was shown did not happen");
    Stat s = other.stat("/shared/refused");
    assertEquals(0600, s.perm());
    assertEquals(2000, s.uid());
    assertArrayEquals(
        Arrays.copyOf(data, 4), FileBytes.read(other, "/shared/refused"), "the data stands");
  }

  @Test
  void whetherAChangeWaitsIsJudgedOnTheNamespacesModeNotAStaleOne() throws Exception {
    try (HearthFile f = create(client, "/judged", 0644)) {
      other.chmod("/judged", 0666);
      f.chmod(0644); // adds nothing to what this client saw, takes w from what others see
      assertEquals(0644, other.stat("/judged").perm(), "committed at once");
    }
  }

  @Test
  void aWriteAfterAChmodBySomeoneButRootDropsSetuid() throws Exception {
    HearthClient asAna = client.withCredentials(ANA);
    try (HearthFile f = create(asAna, "/shared/suid", 0644)) {
      f.chmod(04755);
      f.write(ByteBuffer.wrap(new byte[] {1}));
    }
    assertEquals(0755, other.stat("/shared/suid").perm(), "the write came after the chmod");
  }

  @Test
  void anXattrCallTheWaitingChmodGrantsSucceeds() throws Exception {
    HearthClient asAna = client.withCredentials(ANA);
    try (HearthFile f = create(asAna, "/shared/ro", 0444)) {
      f.chmod(0644); // adds u+w: waits
      byte[] v = {7};
      asAna.setxattr("/shared/ro", "user.k", v, 0);
      assertArrayEquals(v, asAna.getxattr("/shared/ro", "user.k"));
      assertEquals(0644, other.stat("/shared/ro").perm(), "committed to let the setxattr in");
    }
  }

  @Test
  void anOpenTheWaitingChmodGrantsSucceeds() throws Exception {
    HearthClient asAna = client.withCredentials(ANA);
    try (HearthFile f = create(asAna, "/shared/reopen", 0444)) {
      f.chmod(0644); // adds u+w: waits
      try (HearthFile again = asAna.open("/shared/reopen", HearthFile.O_WRONLY, 0)) {
        again.write(ByteBuffer.wrap(new byte[] {9}));
      }
      assertEquals(0644, other.stat("/shared/reopen").perm(), "committed to let the open in");
    }
  }

  @Test
  void closingTheClientCommitsWhatItsOpenFilesHold() throws Exception {
    byte[] data = {4, 5, 6};
    try (HearthClient temp = HearthClient.connect(cluster.spec())) {
      HearthFile f = create(temp, "/left-open", 0600);
      f.write(ByteBuffer.wrap(data));
      f.chmod(0644);
    } // as a process that exits without closing its files
    assertEquals(0644, other.stat("/left-open").perm());
    assertArrayEquals(data, FileBytes.read(other, "/left-open"));
  }

  @Test
  void setgidOutsideTheFilesGroupIsDroppedAtOnce() throws Exception {
    HearthClient asAna = client.withCredentials(ANA);
    try (HearthFile f = create(asAna, "/shared/sgid", 0640)) {
      other.chown("/shared/sgid", -1, 2000);
      f.chmod(02640); // ana is not in group 2000: the namespace keeps 0640
      assertEquals(0640, other.stat("/shared/sgid").perm(), "committed at once");
    }
    assertEquals(0640, other.stat("/shared/sgid").perm());
  }
}
