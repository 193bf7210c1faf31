package io.hearth.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code hearth fs ...} and {@code hearth admin ...}: the client-side commands. Exit status 0 on
 * success, 1 when an operation failed (the errno is on stderr), 2 for a usage error. Expected
 * failures never print a stack trace; set HEARTH_DEBUG=1 to see one for an unexpected failure.
 */
@Command(
    name = "hearth",
    subcommands = {FsCommand.class, AdminCommand.class},
    synopsisSubcommandLabel = "COMMAND",
    description = "Hearth client commands.")
public final class HearthCli extends ParentCommand {
  public static final int EXIT_FAILED = 1;
  public static final int EXIT_USAGE = 2;

  /** Standard input and output as bytes, for the commands that move file contents. */
  final InputStream stdin;

  final OutputStream stdout;

  private HearthCli(InputStream stdin, OutputStream stdout) {
    this.stdin = stdin;
    this.stdout = stdout;
  }

  /** The command tree with Hearth's error handling, on the process's stdin and stdout. */
  public static CommandLine commandLine() {
    // Unbuffered and not a PrintStream: a write error (a closed pipe) must reach the command.
    return commandLine(System.in, new FileOutputStream(FileDescriptor.out));
  }

  /**
   * The command tree with Hearth's error handling; tests execute it the way main does. {@code
   * stdin} and {@code stdout} carry file contents ({@code put -}, {@code get PATH -}, {@code cat});
   * text goes to the command line's out and err writers.
   */
  public static CommandLine commandLine(InputStream stdin, OutputStream stdout) {
    CommandLine cl = new CommandLine(new HearthCli(stdin, stdout));
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          CommandLine c = ex.getCommandLine();
          String name = c.getCommandSpec().qualifiedName();
          c.getErr().println(name + ": " + ex.getMessage());
          UnmatchedArgumentException.printSuggestions(ex, c.getErr());
          c.getErr().println("Try '" + name + " --help' for more information.");
          return EXIT_USAGE;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, parsed) -> {
          c.getErr().println(c.getCommandSpec().qualifiedName() + ": internal error: " + ex);
          if (System.getenv("HEARTH_DEBUG") != null) {
            ex.printStackTrace(c.getErr());
          } else {
            c.getErr().println("(run with HEARTH_DEBUG=1 for the stack trace)");
          }
          return EXIT_FAILED;
        });
    return cl;
  }

  public static void main(String[] args) {
    // Before anything logs: quiet by default (CliLogging says why); HEARTH_LOG_LEVEL=info (or
    // debug) or -Dhearth.log.level shows the client's and Ratis's log on stderr.
    String property = System.getProperty(CliLogging.LEVEL_PROPERTY);
    String asked = property != null ? property : System.getenv(CliLogging.LEVEL_ENV);
    Level level = CliLogging.parse(asked);
    if (level == null) {
      System.err.println(
          "hearth: "
              + (property != null ? "-D" + CliLogging.LEVEL_PROPERTY : CliLogging.LEVEL_ENV)
              + "="
              + asked
              + " is not a log level: use off, error, warn, info, debug or trace");
      System.exit(EXIT_USAGE);
    }
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      CliLogging.configure(context, level);
    }
    // gRPC (shaded in Ratis) logs through java.util.logging, which would print "Epoll available"
    // at every command: through slf4j it obeys the level above (from INFO up, JUL's own threshold).
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    io.hearth.client.CommonPool.widen();
    // Exit explicitly: Ratis and gRPC may leave non-daemon threads behind.
    System.exit(commandLine().execute(args));
  }
}
