package io.hearth.server.data;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import io.hearth.protocol.data.PutBlock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;
import org.apache.ratis.statemachine.StateMachine;

/**
 * Receives one streamed block into its temporary file: writes the header, then the data as it
 * arrives, computing the CRC of each 64 KiB on the way. {@link #force} makes the file and its
 * directory entry durable; {@link #close} fails (and deletes the file) unless exactly the announced
 * length arrived with the announced CRCs, so a torn or corrupted transfer never gets committed.
 *
 * <p>Threads: Ratis calls write/force/close of one stream in order, one at a time.
 */
final class BlockWriter implements StateMachine.DataChannel {
  private final Path file;
  private final PutBlock header;
  private final FileChannel ch;
  private final Runnable onEnd;
  private final CRC32C crc = new CRC32C();
  private long received;
  private int chunkFill;
  private int chunkIndex;
  private boolean ended;

  BlockWriter(Path file, PutBlock header, Runnable onEnd) throws IOException {
    this.file = file;
    this.header = header;
    this.onEnd = onEnd;
    this.ch =
        FileChannel.open(
            file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
    ByteBuffer h = BlockFile.encodeHeader(header);
    while (h.hasRemaining()) {
      ch.write(h);
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    int n = src.remaining();
    if (received + n > header.getLength()) {
      throw new HearthException(
          Errno.EINVAL, "block overflows its announced " + header.getLength() + " bytes");
    }
    updateCrc(src.duplicate());
    while (src.hasRemaining()) {
      ch.write(src);
    }
    received += n;
    return n;
  }

  private void updateCrc(ByteBuffer b) throws HearthException {
    while (b.hasRemaining()) {
      int take = Math.min(b.remaining(), Limits.CRC_CHUNK_BYTES - chunkFill);
      ByteBuffer piece = b.slice(b.position(), take);
      crc.update(piece);
      b.position(b.position() + take);
      chunkFill += take;
      if (chunkFill == Limits.CRC_CHUNK_BYTES) {
        endChunk();
      }
    }
  }

  private void endChunk() throws HearthException {
    if ((int) crc.getValue() != header.getCrc32C(chunkIndex)) {
      throw new HearthException(Errno.EIO, "CRC mismatch in chunk " + chunkIndex + " in transit");
    }
    crc.reset();
    chunkFill = 0;
    chunkIndex++;
  }

  @Override
  public void force(boolean metadata) throws IOException {
    ch.force(metadata);
    BlockStore.fsyncDir(file.getParent());
  }

  @Override
  public boolean isOpen() {
    return ch.isOpen();
  }

  @Override
  public void close() throws IOException {
    try {
      if (received != header.getLength()) {
        throw new HearthException(
            Errno.EIO, "stream ended after " + received + " of " + header.getLength() + " bytes");
      }
      if (chunkFill > 0) {
        endChunk();
      }
      ch.close();
    } catch (IOException e) {
      abort();
      throw e;
    } finally {
      end();
    }
  }

  /** Drops the temporary file: the stream failed or was abandoned. */
  void abort() {
    try {
      ch.close();
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // The tmp sweeper removes what is left.
    }
    end();
  }

  private void end() {
    if (!ended) {
      ended = true;
      onEnd.run();
    }
  }
}
