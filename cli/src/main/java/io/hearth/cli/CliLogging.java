package io.hearth.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import java.util.Locale;
import java.util.Set;

/**
 * The log of {@code hearth fs} and {@code hearth admin}: off unless asked for, then to stderr in
 * the servers' format. Ratis logs routine leader discovery (NotLeaderException) as errors with
 * stack traces, and a command's own message already says what failed, so by default nothing is
 * shown.
 *
 * <p>Set up in code rather than by a logback.xml: a command is a short-lived JVM, and logback's XML
 * configurator costs about 150 ms at every start (on 2 cores: a JVM that logs one line starts in
 * 220 ms with a logback.xml, 85 ms configured here, 60 ms with slf4j-simple), more than the rest of
 * logback together. Without a logback.xml on the class path logback first sets up its default
 * console, which this replaces before anything logs.
 */
final class CliLogging {
  /** The level asked for on the command line ({@code -Dhearth.log.level}); wins over the env. */
  static final String LEVEL_PROPERTY = "hearth.log.level";

  /** The level asked for in the environment, as for every Hearth program. */
  static final String LEVEL_ENV = "HEARTH_LOG_LEVEL";

  /** As in the servers' logback.xml. */
  static final String PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger - %msg%n";

  /** What {@link #parse} accepts; logback itself would take any other word for DEBUG. */
  static final Set<String> LEVELS = Set.of("off", "error", "warn", "info", "debug", "trace");

  private CliLogging() {}

  /** The level named by {@code asked} (any case), OFF when null, or null when it names none. */
  static Level parse(String asked) {
    if (asked == null) {
      return Level.OFF;
    }
    String name = asked.trim().toLowerCase(Locale.ROOT);
    return LEVELS.contains(name) ? Level.toLevel(name) : null;
  }

  /** Replaces whatever logback configured by itself with {@code level} to stderr (or nothing). */
  static void configure(LoggerContext context, Level level) {
    context.reset();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(level);
    if (level == Level.OFF) {
      return;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("CONSOLE");
    console.setTarget("System.err");
    console.setEncoder(encoder);
    console.start();
    root.addAppender(console);
  }
}
