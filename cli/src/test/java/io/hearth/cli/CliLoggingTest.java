package io.hearth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** hearth fs / admin: no log unless asked for, then to stderr in the servers' line format. */
class CliLoggingTest {
  @Test
  void levelsByNameAnyCaseOffWhenNotAsked() {
    assertEquals(Level.OFF, CliLogging.parse(null));
    assertEquals(Level.INFO, CliLogging.parse("info"));
    assertEquals(Level.DEBUG, CliLogging.parse(" DEBUG"));
    assertEquals(Level.WARN, CliLogging.parse("Warn"));
    assertNull(CliLogging.parse("verbose"), "logback would take it for DEBUG");
    assertNull(CliLogging.parse(""));
  }

  @Test
  void quietByDefault() {
    LoggerContext lc = context();
    CliLogging.configure(lc, Level.OFF);
    Logger root = lc.getLogger(Logger.ROOT_LOGGER_NAME);
    assertEquals(Level.OFF, root.getLevel());
    assertFalse(root.iteratorForAppenders().hasNext(), "no appender at all");
    assertFalse(lc.getLogger("org.apache.ratis.client.impl.OrderedAsync").isErrorEnabled());
  }

  @Test
  void askedForLinesGoToStderrWithTimeLevelThreadLogger() {
    LoggerContext lc = context();
    CliLogging.configure(lc, Level.INFO);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream saved = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      lc.getLogger("org.apache.ratis.client.impl.OrderedAsync").info("leader is n2");
      lc.getLogger("io.hearth.client.meta.MetaClient").debug("below the level");
    } finally {
      System.setErr(saved);
      lc.stop();
    }
    String out = err.toString(StandardCharsets.UTF_8);
    assertTrue(
        out.matches(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) INFO  \\["
                + Pattern.quote(Thread.currentThread().getName())
                + "] org\\.apache\\.ratis\\.client\\.impl\\.OrderedAsync - leader is n2\\R"),
        out);
  }

  private static LoggerContext context() {
    LoggerContext lc = new LoggerContext();
    lc.setMDCAdapter(new LogbackMDCAdapter());
    return lc;
  }
}
