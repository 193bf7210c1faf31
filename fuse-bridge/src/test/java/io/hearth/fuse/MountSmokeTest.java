package io.hearth.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.client.InProcessCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One mount, the basic operations through the kernel, and a clean unmount. */
class MountSmokeTest {
  private static final Duration T = Duration.ofSeconds(60);

  @TempDir Path tmp;

  @Test
  void basicOperationsThroughTheKernel() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(3);
        BridgeProcess m =
            BridgeProcess.mount(
                cluster.spec(), tmp.resolve("mnt"), "allow_other,default_permissions")) {
      Path mnt = m.mountpoint();
      Sh.run(
              mnt,
              T,
              """
              set -e
              mkdir -p d/e
              printf 'hello' > d/f
              ln d/f d/hard
              ln -s f d/sym
              mkfifo d/fifo
              mknod d/null c 1 3
              """)
          .ok("make entries");
      assertEquals("hello", Files.readString(mnt.resolve("d/sym")));
      String dots = Sh.run(mnt, T, "ls -fa d | sort | tr '\\n' ' '").ok("ls").output();
      assertEquals(". .. e f fifo hard null sym ", dots);
      String inodes = Sh.run(mnt, T, "stat -c %i d/f d/hard | uniq | wc -l").ok("stat").output();
      assertEquals("1", inodes.trim(), "a hard link shares the inode number");
      String types = Sh.run(mnt, T, "stat -c '%F %t:%T' d/fifo d/null").ok("stat").output();
      assertEquals("fifo 0:0\ncharacter special file 1:3\n", types);
      String df =
          Sh.run(mnt, T, "df -P . | tail -1 | awk '{print $1, ($2 > 0)}'").ok("df").output();
      assertEquals("hearth 1", df.trim(), "df shows the cluster's capacity");
      Sh.run(mnt, T, "fallocate -l 10M d/big && test $(stat -c %s d/big) = 10485760")
          .ok("fallocate");
      Sh.run(mnt, T, "fallocate -n -l 20M d/big && test $(stat -c %s d/big) = 10485760")
          .ok("fallocate keep size");
      var punch = Sh.run(mnt, T, "fallocate -p -o 0 -l 4096 d/big");
      assertTrue(
          punch.exit() != 0 && punch.output().contains("not supported")
              || punch.output().contains("unsupported"),
          punch.output());
    }
  }
}
