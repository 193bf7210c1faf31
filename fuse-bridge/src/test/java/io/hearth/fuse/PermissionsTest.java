package io.hearth.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Users on a mount: programs run as uid 1000 and 1001 (gids 1000 and 1001, shared group 1002)
 * through setpriv, and what they may do is what a local POSIX file system allows: ownership of new
 * entries, setgid directories, supplementary groups, private homes, chmod/chown/chgrp rules, umask.
 * The mount uses allow_other and default_permissions, as a multi-user mount would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PermissionsTest {
  private static final Duration T = Duration.ofSeconds(60);
  private static final int ALICE = 1000;
  private static final int BOB = 1001;
  private static final int TEAM = 1002;
  private static final List<Integer> NO_GROUPS = List.of();
  private static final List<Integer> IN_TEAM = List.of(TEAM);

  @TempDir static Path tmp;
  private MountedCluster fs;
  private Path mnt;

  @BeforeAll
  void mount() throws Exception {
    // Other users must reach the mount point: @TempDir makes a 0700 directory.
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    fs = new MountedCluster();
    mnt = fs.mount(tmp.resolve("mnt")).mountpoint();
    root("""
            set -e
            mkdir -p home/alice home/bob pub/alice pub/bob
            chown 1000:1000 home/alice pub/alice
            chown 1001:1001 home/bob pub/bob
            chmod 700 home/alice home/bob
            chmod 755 pub/alice pub/bob
            mkdir project team
            chown root:1002 project team
            chmod 2775 project
            chmod 2770 team
            stat -c '%n %U:%G %a' home/alice home/bob project team
            """)
        .ok("prepare homes");
  }

  @AfterAll
  void unmount() throws Exception {
    if (fs != null) {
      fs.close();
    }
  }

  private Sh.Result root(String script) throws Exception {
    return Sh.run(mnt, T, "umask 022\n" + script);
  }

  private Sh.Result as(int uid, List<Integer> groups, String script) throws Exception {
    return Sh.runAs(uid, uid, groups, mnt, T, "umask 022\n" + script);
  }

  /** The script failed, with this error from the program. */
  private static void refused(Sh.Result r, String error) {
    assertNotEquals(0, r.exit(), "should have failed:\n" + r.output());
    assertTrue(r.output().contains(error), "expected '" + error + "':\n" + r.output());
  }

  private String owners(String... paths) throws Exception {
    return root("stat -c '%n %u:%g %a' " + String.join(" ", paths)).ok("stat").output();
  }

  @Test
  void newEntriesBelongToTheCaller() throws Exception {
    for (int uid : new int[] {ALICE, BOB}) {
      String home = uid == ALICE ? "home/alice" : "home/bob";
      String out =
          as(
                  uid,
                  NO_GROUPS,
                  "set -e; cd %s; touch file; mkdir dir; mkfifo fifo; ln -s file link;"
                          .formatted(home)
                      + " stat -c '%n %u:%g %F' file dir fifo link")
              .ok("create as " + uid)
              .output();
      String ids = uid + ":" + uid;
      assertEquals(
          "file %s regular empty file\ndir %s directory\nfifo %s fifo\nlink %s symbolic link\n"
              .formatted(ids, ids, ids, ids),
          out);
    }
  }

  @Test
  void setgidDirectoryPassesItsGroupOn() throws Exception {
    as(ALICE, IN_TEAM, "set -e; touch project/f; mkdir project/sub; touch project/sub/g")
        .ok("create in the setgid directory");
    assertEquals(
        "project/f 1000:1002 644\nproject/sub 1000:1002 2755\nproject/sub/g 1000:1002 644\n",
        owners("project/f", "project/sub", "project/sub/g"),
        "new files take the directory's group; new directories also its setgid bit");
    refused(as(BOB, NO_GROUPS, "touch project/bob"), "Permission denied");
  }

  @Test
  void supplementaryGroupGrantsWrite() throws Exception {
    String out =
        as(ALICE, IN_TEAM, "set -e; echo hello > team/note; cat team/note; ls team")
            .ok("member writes")
            .output();
    assertEquals("hello\nnote\n", out);
    refused(as(BOB, NO_GROUPS, "echo no > team/bob"), "Permission denied");
    refused(as(BOB, NO_GROUPS, "ls team"), "Permission denied");
    refused(as(BOB, NO_GROUPS, "cat team/note"), "Permission denied");
    // The same user with the group among its supplementary groups may.
    assertEquals(
        "hello\n",
        as(BOB, IN_TEAM, "echo bob > team/bob && cat team/note").ok("bob in team").output());
    assertEquals("team/bob 1001:1002 644\n", owners("team/bob"));
  }

  @Test
  void aPrivateHomeStaysPrivate() throws Exception {
    as(ALICE, NO_GROUPS, "echo secret > home/alice/diary").ok("write own home");
    refused(as(BOB, NO_GROUPS, "ls home/alice"), "Permission denied");
    refused(as(BOB, NO_GROUPS, "cat home/alice/diary"), "Permission denied");
    refused(as(BOB, NO_GROUPS, "touch home/alice/intruder"), "Permission denied");
    refused(as(BOB, NO_GROUPS, "mkdir home/alice/intruder"), "Permission denied");
    refused(as(BOB, NO_GROUPS, "rm -f home/alice/diary"), "Permission denied");
    assertEquals("diary\n", root("ls home/alice").ok("root lists").output());
    assertEquals("secret\n", root("cat home/alice/diary").ok("root reads").output());
  }

  @Test
  void aPrivateFileStaysPrivate() throws Exception {
    as(
            ALICE,
            NO_GROUPS,
            "set -e; echo mine > pub/alice/private; chmod 600 pub/alice/private;"
                + " echo all > pub/alice/public")
        .ok("write");
    refused(as(BOB, NO_GROUPS, "cat pub/alice/private"), "Permission denied");
    refused(as(BOB, NO_GROUPS, "echo more >> pub/alice/public"), "Permission denied");
    refused(as(BOB, NO_GROUPS, "rm -f pub/alice/public"), "Permission denied");
    assertEquals("all\n", as(BOB, NO_GROUPS, "cat pub/alice/public").ok("read").output());
    assertEquals("mine\n", as(ALICE, NO_GROUPS, "cat pub/alice/private").ok("owner").output());
  }

  @Test
  void onlyTheOwnerChmodsAndOnlyRootGivesAway() throws Exception {
    as(ALICE, IN_TEAM, "touch pub/alice/f").ok("create");
    refused(as(BOB, NO_GROUPS, "chmod 777 pub/alice/f"), "Operation not permitted");
    refused(as(ALICE, IN_TEAM, "chown 1001 pub/alice/f"), "Operation not permitted");
    refused(as(ALICE, IN_TEAM, "chgrp 1001 pub/alice/f"), "Operation not permitted");
    assertEquals("pub/alice/f 1000:1000 644\n", owners("pub/alice/f"), "unchanged");
    as(ALICE, IN_TEAM, "chmod 640 pub/alice/f && chgrp 1002 pub/alice/f").ok("owner, own group");
    assertEquals("pub/alice/f 1000:1002 640\n", owners("pub/alice/f"));
    as(ALICE, NO_GROUPS, "chgrp 1000 pub/alice/f").ok("chgrp to the primary group");
    assertEquals("pub/alice/f 1000:1000 640\n", owners("pub/alice/f"));
    root("chown 1001:1002 pub/alice/f").ok("root chowns");
    assertEquals("pub/alice/f 1001:1002 640\n", owners("pub/alice/f"));
    refused(as(ALICE, IN_TEAM, "chmod 644 pub/alice/f"), "Operation not permitted");
    as(BOB, NO_GROUPS, "chmod 604 pub/alice/f").ok("the new owner chmods");
    assertEquals("pub/alice/f 1001:1002 604\n", owners("pub/alice/f"));
  }

  /** pjdfstest chmod/12: writing someone else's setuid program takes its privileges away. */
  @Test
  void aWriteByAnotherUserDropsSetuidAndSetgid() throws Exception {
    root("set -e; printf '#!/bin/sh\n' > pub/prog; chmod 6777 pub/prog").ok("a setuid program");
    as(BOB, NO_GROUPS, "echo 'id' >> pub/prog").ok("bob may write it, as its mode says");
    assertEquals("pub/prog 0:0 777\n", owners("pub/prog"), "setuid and setgid are gone");
    root("set -e; chmod 6777 pub/prog; echo 'true' >> pub/prog").ok("root writes");
    assertEquals("pub/prog 0:0 6777\n", owners("pub/prog"), "root's write keeps them");
  }

  /** pjdfstest ftruncate/00: permission is checked when a file is opened, not at ftruncate. */
  @Test
  void ftruncateOfADescriptorOpenedForWritingNeedsNoPermissionAgain() throws Exception {
    String out =
        as(
                ALICE,
                NO_GROUPS,
                "python3 -c \"import os; fd = os.open('pub/alice/zero', os.O_CREAT | os.O_RDWR,"
                    + " 0); os.ftruncate(fd, 5); print(os.fstat(fd).st_size)\"")
            .ok("ftruncate a mode-0 file created just now")
            .output();
    assertEquals("5\n", out);
    refused(as(ALICE, NO_GROUPS, "truncate -s 0 pub/alice/zero"), "Permission denied");
  }

  @Test
  void umaskApplies() throws Exception {
    String out =
        as(
                ALICE,
                NO_GROUPS,
                """
                set -e
                cd pub/alice
                umask 027; touch u027; mkdir d027; mkfifo p027
                umask 077; echo x > u077; mkdir d077
                umask 000; touch u000; mkdir d000
                stat -c '%n %a' u027 d027 p027 u077 d077 u000 d000
                """)
            .ok("umask")
            .output();
    assertEquals("u027 640\nd027 750\np027 640\nu077 600\nd077 700\nu000 666\nd000 777\n", out);
  }
}
