package io.hearth.client;

import java.nio.ByteBuffer;

/** Whole files through the client, for tests that compare contents. */
public final class FileBytes {
  private FileBytes() {}

  /** The whole file, read sequentially (through readahead) by a fresh handle. */
  public static byte[] read(HearthClient h, String path) throws Exception {
    try (HearthFile f = h.open(path, HearthFile.O_RDONLY)) {
      byte[] out = new byte[(int) f.size()];
      ByteBuffer b = ByteBuffer.wrap(out);
      while (b.hasRemaining() && f.read(b) > 0) {
        // keep reading
      }
      return out;
    }
  }
}
