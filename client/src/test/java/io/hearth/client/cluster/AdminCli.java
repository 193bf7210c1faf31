package io.hearth.client.cluster;

import io.hearth.client.cli.HearthCli;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Runs {@code hearth admin ...} in this JVM as main would, against a cluster spec. */
final class AdminCli {
  record Result(int status, String out, String err) {
    @Override
    public String toString() {
      return "exit " + status + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
  }

  private AdminCli() {}

  static Result run(String spec, String... args) {
    List<String> all = new ArrayList<>(List.of("admin"));
    all.add(args[0]);
    all.addAll(List.of("--cluster", spec));
    all.addAll(List.of(args).subList(1, args.length));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl =
        HearthCli.commandLine(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int status = cl.execute(all.toArray(String[]::new));
    System.out.println("hearth " + String.join(" ", all) + " -> " + status);
    System.out.print(out);
    System.out.print(err);
    return new Result(status, out.toString(), err.toString());
  }
}
