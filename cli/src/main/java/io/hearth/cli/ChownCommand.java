package io.hearth.cli;

import io.hearth.client.HearthClient;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "chown",
    description = {
      "Change the owner and/or group of files: UID, UID:GID or :GID.",
      "Ids are numbers: one cluster serves many machines, whose user databases may differ."
    })
final class ChownCommand extends FsSubcommand {
  @Parameters(index = "0", paramLabel = "UID[:GID]")
  String owner;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "FILE")
  List<String> files;

  private int uid = -1;
  private int gid = -1;

  @Override
  void check() {
    int colon = owner.indexOf(':');
    String u = colon < 0 ? owner : owner.substring(0, colon);
    String g = colon < 0 ? "" : owner.substring(colon + 1);
    uid = id(u, "user");
    gid = id(g, "group");
    if (uid == -1 && gid == -1) {
      throw usage("invalid owner: '" + owner + "'");
    }
  }

  private int id(String s, String what) {
    if (s.isEmpty()) {
      return -1;
    }
    try {
      int v = Integer.parseInt(s);
      if (v >= 0) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw usage("invalid " + what + ": '" + s + "' (give a number)");
  }

  @Override
  void run(HearthClient c) {
    forEach(files, f -> c.chown(f, uid, gid));
  }
}
