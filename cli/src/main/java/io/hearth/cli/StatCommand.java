package io.hearth.cli;

import io.hearth.client.HearthClient;
import io.hearth.client.Stat;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import java.time.ZoneId;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "stat",
    description = {
      "Display file status, as stat(1). Symbolic links are not followed unless -L.",
      "FORMAT sequences: %n name, %N name and, for a symbolic link, -> target, %s size, %a octal mode, %A ls mode, %f raw mode (hex),",
      "%F type, %u uid, %g gid, %h links, %i inode, %x %y %z access/modify/change time, %X %Y %Z the same in epoch seconds, %% a %."
    })
final class StatCommand extends FsSubcommand {
  @Option(
      names = {"-L", "--dereference"},
      description = "Follow symbolic links.")
  boolean follow;

  @Option(
      names = {"-c", "--format"},
      paramLabel = "FORMAT",
      description = "Print FORMAT (see above) and a newline instead of the default.")
  String format;

  @Parameters(arity = "1..*", paramLabel = "FILE")
  List<String> files;

  private final ZoneId zone = ZoneId.systemDefault();

  @Override
  void run(HearthClient c) {
    forEach(
        files,
        f -> {
          Stat s = follow ? c.stat(f) : c.lstat(f);
          out.println(render(c, f, s, format != null ? format : DEFAULT));
        });
  }

  private static final String DEFAULT =
      """
        File: %N
        Size: %-10s\tInode: %-11i Links: %h\t%F
      Access: (%04a/%A)  Uid: (%5u)   Gid: (%5g)
      Access: %x
      Modify: %y
      Change: %z"""
          .stripIndent();

  private String render(HearthClient c, String name, Stat s, String fmt) throws HearthException {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < fmt.length(); i++) {
      char ch = fmt.charAt(i);
      if (ch != '%' || i + 1 == fmt.length()) {
        b.append(ch);
        continue;
      }
      // An optional printf width such as "-10", "5" or "04", as the default format uses.
      int start = ++i;
      while (i < fmt.length() - 1 && (fmt.charAt(i) == '-' || Character.isDigit(fmt.charAt(i)))) {
        i++;
      }
      String width = fmt.substring(start, i);
      String v = field(c, name, s, fmt.charAt(i));
      b.append(pad(v, width));
    }
    return b.toString();
  }

  /** printf-style: "-N" pads on the right, "N" on the left, "0N" with zeros on the left. */
  private static String pad(String v, String width) {
    if (width.isEmpty() || width.equals("-")) {
      return v;
    }
    boolean left = width.startsWith("-");
    char fill = width.startsWith("0") ? '0' : ' ';
    String pad =
        String.valueOf(fill)
            .repeat(Math.max(0, Integer.parseInt(width.replace("-", "")) - v.length()));
    return left ? v + pad : pad + v;
  }

  private String field(HearthClient c, String name, Stat s, char conv) throws HearthException {
    return switch (conv) {
      case 'n' -> name;
      case 'N' -> s.isSymlink() ? name + " -> " + c.readlink(name) : name;
      case 's' -> Long.toString(s.size());
      case 'a' -> Integer.toOctalString(s.perm());
      case 'A' -> FileMode.toString(s.mode());
      case 'f' -> Integer.toHexString(s.mode());
      case 'F' -> Formats.typeName(s);
      case 'u' -> Integer.toString(s.uid());
      case 'g' -> Integer.toString(s.gid());
      case 'h' -> Integer.toString(s.nlink());
      case 'i' -> Long.toString(s.ino());
      case 'x' -> Formats.fullTime(s.atimeNs(), zone);
      case 'y' -> Formats.fullTime(s.mtimeNs(), zone);
      case 'z' -> Formats.fullTime(s.ctimeNs(), zone);
      case 'X' -> Long.toString(Math.floorDiv(s.atimeNs(), 1_000_000_000L));
      case 'Y' -> Long.toString(Math.floorDiv(s.mtimeNs(), 1_000_000_000L));
      case 'Z' -> Long.toString(Math.floorDiv(s.ctimeNs(), 1_000_000_000L));
      case '%' -> "%";
      default -> "?" + conv;
    };
  }
}
