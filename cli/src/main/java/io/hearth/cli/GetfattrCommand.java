package io.hearth.cli;

import io.hearth.client.HearthClient;
import io.hearth.protocol.HearthException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "getfattr",
    description = {
      "Print extended attributes, as getfattr(1): names only, or with values for -d or -n.",
      "Output: '# file: FILE', one NAME or NAME=VALUE per line, then an empty line."
    })
final class GetfattrCommand extends FsSubcommand {
  @Option(
      names = {"-n", "--name"},
      paramLabel = "NAME",
      description = "Print this attribute's value only.")
  String name;

  @Option(
      names = {"-d", "--dump"},
      description = "Print values as well as names.")
  boolean dump;

  @Option(
      names = {"-m", "--match"},
      paramLabel = "PATTERN",
      defaultValue = "^user\\.",
      description =
          "Only names matching this regular expression (default: ${DEFAULT-VALUE}; '-' for all).")
  String match;

  @Option(
      names = {"-e", "--encoding"},
      paramLabel = "ENC",
      defaultValue = "AUTO",
      description = "Values as text, hex or base64 (default: text when printable, else base64).")
  XattrValues.Encoding encoding;

  @Parameters(arity = "1..*", paramLabel = "FILE")
  List<String> files;

  private Pattern pattern;

  @Override
  void check() {
    try {
      pattern = Pattern.compile(match.equals("-") ? "" : match);
    } catch (PatternSyntaxException e) {
      throw usage("bad pattern for -m: " + e.getDescription());
    }
  }

  @Override
  void run(HearthClient c) {
    forEach(
        files,
        f -> {
          List<String> lines = new ArrayList<>();
          if (name != null) {
            lines.add(name + "=" + value(c, f, name));
          } else {
            for (String n : c.listxattr(f).stream().sorted().toList()) {
              if (pattern.matcher(n).find()) {
                lines.add(dump ? n + "=" + value(c, f, n) : n);
              }
            }
          }
          // As getfattr: a file without matching attributes prints nothing at all.
          if (!lines.isEmpty()) {
            out.println("# file: " + f);
            lines.forEach(out::println);
            out.println();
          }
        });
  }

  private String value(HearthClient c, String f, String n) throws HearthException {
    return XattrValues.encode(c.getxattr(f, n), encoding);
  }
}
