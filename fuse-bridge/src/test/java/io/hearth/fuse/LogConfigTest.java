package io.hearth.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.util.FileSize;
import io.hearth.server.HearthServer;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The programs' log configuration as shipped: hearth mount's and hearth server's logback.xml, each
 * read from its own module (the test class path holds both, and logback-test.xml in front of them).
 * Lines carry an ISO-8601 time with milliseconds and zone, level, thread and logger; with {@code
 * hearth.log.file} they go to a file that rotates daily and at 64 MiB, 7 days and 1 GiB kept.
 */
class LogConfigTest {
  /** 2026-12-07T09:23:53.261Z or 2026-12-07T10:23:53.261+01:00, level, [thread], logger - msg. */
  static final Pattern LINE =
      Pattern.compile(
          "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) (\\w+) +\\[([^]]+)]"
              + " (\\S+) - (.*)");

  @TempDir Path tmp;

  @Test
  void mountLogsToARotatingFile() throws Exception {
    List<String> lines =
        logToFile(
            MountMain.class,
            "info",
            lc -> {
              lc.getLogger("io.hearth.fuse.HearthFs").info("getattr / -> 0 in 12 us");
              Logger grpc = lc.getLogger("org.apache.ratis.grpc.client.GrpcClientProtocolClient");
              grpc.info("routine");
              grpc.warn("channel closed");
              lc.getLogger("org.apache.ratis.client.impl.OrderedAsync").error("NotLeader...");
            });
    assertEquals(2, lines.size(), "Ratis below WARN and OrderedAsync stay out: " + lines);
    assertLine(lines.get(0), "INFO", "io.hearth.fuse.HearthFs", "getattr / -> 0 in 12 us");
    assertLine(lines.get(1), "WARN", "org.apache.ratis.grpc.client.GrpcClientProtocolClient", null);
  }

  @Test
  void serverLogsRatisAtInfoToARotatingFile() throws Exception {
    assumeTrue(System.getenv("HEARTH_LOG_LEVEL") == null, "HEARTH_LOG_LEVEL sets the level");
    List<String> lines =
        logToFile(
            HearthServer.class,
            null,
            lc -> {
              lc.getLogger("org.apache.ratis.server.RaftServer").info("n1: start RPC server");
              lc.getLogger("io.hearth.server.meta.MetaStateMachine").debug("not by default");
            });
    assertEquals(1, lines.size(), String.valueOf(lines));
    assertLine(lines.get(0), "INFO", "org.apache.ratis.server.RaftServer", "n1: start RPC server");
  }

  /**
   * The lines {@code body} logs through {@code program}'s config with {@code hearth.log.file} set,
   * after checking that the file appender rotates as documented.
   */
  private List<String> logToFile(Class<?> program, String level, Consumer<LoggerContext> body)
      throws Exception {
    Path file = tmp.resolve(program.getSimpleName() + ".log");
    LoggerContext lc = configure(program, file, level);
    body.accept(lc);
    assertRotates(lc, file);
    assertNoTrouble(lc);
    lc.stop();
    return Files.readAllLines(file);
  }

  @Test
  void toStderrWithoutAFileAndAtTheLevelAskedFor() throws Exception {
    for (Class<?> program : List.of(MountMain.class, HearthServer.class)) {
      LoggerContext lc = configure(program, null, "debug");
      Logger root = lc.getLogger(Logger.ROOT_LOGGER_NAME);
      assertEquals(Level.DEBUG, root.getLevel(), program.getSimpleName());
      Appender<ILoggingEvent> console = root.getAppender("CONSOLE");
      assertEquals(
          "System.err", assertInstanceOf(ConsoleAppender.class, console).getTarget(), "target");
      assertNull(root.getAppender("FILE"), "no file appender without hearth.log.file");
      lc.stop();
    }
  }

  /** A fresh logger context set up by {@code program}'s own logback.xml. */
  private static LoggerContext configure(Class<?> program, Path file, String level)
      throws Exception {
    LoggerContext lc = new LoggerContext();
    lc.setMDCAdapter(new LogbackMDCAdapter()); // slf4j gives its own context one
    if (file != null) {
      lc.putProperty("hearth.log.file", file.toString());
    }
    if (level != null) {
      lc.putProperty("hearth.log.level", level);
    }
    JoranConfigurator jc = new JoranConfigurator();
    jc.setContext(lc);
    jc.doConfigure(configOf(program));
    assertNoTrouble(lc);
    return lc;
  }

  /** Logback reports its own trouble (a bad config, an appender that failed) as statuses. */
  private static void assertNoTrouble(LoggerContext lc) {
    for (Status s : lc.getStatusManager().getCopyOfStatusList()) {
      assertTrue(s.getLevel() < Status.WARN, "logback: " + s);
    }
  }

  /** The logback.xml in the jar or classes directory {@code program} was loaded from. */
  private static URL configOf(Class<?> program) throws Exception {
    URI where = program.getProtectionDomain().getCodeSource().getLocation().toURI();
    return where.toString().endsWith(".jar")
        ? URI.create("jar:" + where + "!/logback.xml").toURL()
        : where.resolve("logback.xml").toURL();
  }

  private static void assertLine(String line, String level, String logger, String message) {
    var m = LINE.matcher(line);
    assertTrue(m.matches(), "not time, level, thread, logger - message: " + line);
    assertEquals(level, m.group(2), line);
    assertEquals(Thread.currentThread().getName(), m.group(3), line);
    assertEquals(logger, m.group(4), line);
    if (message != null) {
      assertEquals(message, m.group(5), line);
    }
  }

  private static void assertRotates(LoggerContext lc, Path file) throws Exception {
    Logger root = lc.getLogger(Logger.ROOT_LOGGER_NAME);
    assertNull(root.getAppender("CONSOLE"), "nothing to stderr while logging to a file");
    RollingFileAppender<?> a =
        assertInstanceOf(RollingFileAppender.class, root.getAppender("FILE"));
    assertEquals(file.toString(), a.getFile());
    SizeAndTimeBasedRollingPolicy<?> p =
        assertInstanceOf(SizeAndTimeBasedRollingPolicy.class, a.getRollingPolicy());
    assertEquals(file + ".%d{yyyy-MM-dd}.%i.gz", p.getFileNamePattern());
    assertEquals(7, p.getMaxHistory());
    assertTrue(p.isCleanHistoryOnStart(), "a mount restarted daily still keeps 7 days only");
    assertEquals(64L << 20, fileSizeField(p, "maxFileSize"));
    assertEquals(1L << 30, fileSizeField(p, "totalSizeCap"));
  }

  /** Logback has setters for these but no getters; a rename in a new logback fails here. */
  private static long fileSizeField(Object policy, String name) throws Exception {
    for (Class<?> c = policy.getClass(); c != null; c = c.getSuperclass()) {
      try {
        var f = c.getDeclaredField(name);
        f.setAccessible(true);
        return ((FileSize) f.get(policy)).getSize();
      } catch (NoSuchFieldException e) {
        // declared higher up
      }
    }
    throw new NoSuchFieldException(name);
  }
}
