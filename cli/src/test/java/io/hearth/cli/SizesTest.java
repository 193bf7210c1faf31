package io.hearth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** truncate's SIZE, as coreutils reads it. */
class SizesTest {
  private static long size(String text, long current) {
    return Sizes.parse(text).apply(current);
  }

  @Test
  void unitsArePowersOf1024OrWithBPowersOf1000() {
    assertEquals(0, size("0", 99));
    assertEquals(10, size("10", 0));
    assertEquals(10 << 10, size("10K", 0));
    assertEquals(10 << 10, size("10k", 0));
    assertEquals(10 << 10, size("10KiB", 0));
    assertEquals(10_000, size("10KB", 0));
    assertEquals(3L << 20, size("3M", 0));
    assertEquals(2L << 30, size("2G", 0));
    assertEquals(5_000_000_000L, size("5GB", 0));
    assertEquals(1L << 40, size("1T", 0));
    assertEquals(1L << 60, size("1E", 0));
  }

  @Test
  void modifiersAdjustTheCurrentSize() {
    assertEquals(1100, size("+100", 1000));
    assertEquals(900, size("-100", 1000));
    assertEquals(0, size("-2K", 1000), "never below zero");
    assertEquals(500, size("<500", 1000));
    assertEquals(300, size("<500", 300));
    assertEquals(1000, size(">500", 1000));
    assertEquals(500, size(">500", 300));
    assertEquals(1024, size("/1K", 2047));
    assertEquals(2048, size("%1K", 1025));
    assertEquals(1024, size("%1K", 1024));
  }

  @Test
  void badSizesAreRejectedWithAMessage() {
    for (String bad : new String[] {"", "ten", "1X", "-", "1.5M", "1Z", "16E", "%0", "/0K"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Sizes.parse(bad), bad);
      assertEquals(true, e.getMessage().startsWith("invalid size '" + bad + "'"), e.getMessage());
    }
  }
}
