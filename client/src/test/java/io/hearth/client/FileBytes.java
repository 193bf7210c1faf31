package io.hearth.client;

import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.Extent;
import io.hearth.protocol.meta.Loc;
import io.hearth.protocol.meta.MetaRequest;
import io.hearth.protocol.meta.ReadMapReq;
import java.nio.ByteBuffer;
import java.util.List;

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

  /** The committed extents of inode {@code ino} in its first {@code len} bytes, as stored. */
  public static List<Extent> extents(HearthClient h, long ino, long len) throws HearthException {
    return HearthClient.join(
            h.meta()
                .read(
                    MetaRequest.newBuilder()
                        .setReadMap(
                            ReadMapReq.newBuilder()
                                .setLoc(Loc.newBuilder().setBase(ino))
                                .setLen(len))
                        .build()))
        .getReadMap()
        .getExtentsList();
  }
}
