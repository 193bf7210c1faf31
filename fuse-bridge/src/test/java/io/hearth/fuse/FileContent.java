package io.hearth.fuse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What a file written by {@link Workload} holds, as a recipe rather than the bytes: seeded runs of
 * bytes laid one over the other (the first is the file as created, each later one an overwrite in
 * place, which may extend the file). A model of thousands of files then costs a few longs each, and
 * any file's expected bytes can be rebuilt to compare with what a read returns.
 */
record FileContent(int size, List<Run> runs) {
  /** {@code length} bytes of the stream seeded by {@code seed}, at {@code offset}. */
  record Run(int offset, int length, long seed) {}

  FileContent {
    runs = List.copyOf(runs);
  }

  static FileContent of(int size, long seed) {
    return new FileContent(size, List.of(new Run(0, size, seed)));
  }

  /** This content after writing {@code length} seeded bytes at {@code offset}. */
  FileContent overwrite(int offset, int length, long seed) {
    List<Run> more = new ArrayList<>(runs);
    more.add(new Run(offset, length, seed));
    return new FileContent(Math.max(size, offset + length), more);
  }

  byte[] bytes() {
    byte[] b = new byte[size];
    for (Run r : runs) {
      byte[] run = stream(r.length(), r.seed());
      System.arraycopy(run, 0, b, r.offset(), r.length());
    }
    return b;
  }

  /** The first {@code length} bytes of the stream seeded by {@code seed}. */
  static byte[] stream(int length, long seed) {
    byte[] b = new byte[length];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  /** Null when {@code actual} is this content, else what differs, for an error report. */
  String mismatch(byte[] actual) {
    byte[] want = bytes();
    int at = Arrays.mismatch(want, actual);
    if (at < 0) {
      return null;
    }
    return "read "
        + actual.length
        + " bytes, expected "
        + want.length
        + "; first difference at byte "
        + at
        + " ("
        + runs.size()
        + " writes)";
  }
}
