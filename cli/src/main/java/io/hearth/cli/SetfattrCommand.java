package io.hearth.cli;

import io.hearth.client.HearthClient;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "setfattr",
    description = {
      "Set (-n NAME -v VALUE) or remove (-x NAME) an extended attribute, as setfattr(1).",
      "VALUE is text, or 0x followed by hex, or 0s followed by base64."
    })
final class SetfattrCommand extends FsSubcommand {
  static final class Change {
    @Option(
        names = {"-n", "--name"},
        paramLabel = "NAME",
        required = true,
        description = "Attribute to set, e.g. user.project.")
    String name;

    @Option(
        names = {"-x", "--remove"},
        paramLabel = "NAME",
        required = true,
        description = "Attribute to remove.")
    String remove;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Change change;

  @Option(
      names = {"-v", "--value"},
      paramLabel = "VALUE",
      description = "The value for -n (default: empty).")
  String value;

  @Parameters(arity = "1..*", paramLabel = "FILE")
  List<String> files;

  private byte[] bytes;

  @Override
  void check() {
    if (change.remove != null && value != null) {
      throw usage("-v goes with -n, not -x");
    }
    try {
      bytes = XattrValues.decode(value == null ? "" : value);
    } catch (IllegalArgumentException e) {
      throw usage("bad value: " + e.getMessage());
    }
  }

  @Override
  void run(HearthClient c) {
    if (change.remove != null) {
      forEach(files, f -> c.removexattr(f, change.remove));
    } else {
      forEach(files, f -> c.setxattr(f, change.name, bytes, 0));
    }
  }
}
