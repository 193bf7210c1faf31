package io.hearth.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * File data operations a benchmark drives, on Hearth or on a local directory, so that both run the
 * same code path in the same JVM and the ratio between them means something.
 */
interface FileTarget extends AutoCloseable {

  /** An open file: what a file descriptor offers. */
  interface Handle extends AutoCloseable {
    /** One read at the position: the count, or -1 at the end. */
    int readSome(ByteBuffer dst) throws IOException;

    /** One pread(2): the count, or -1 at or past the end. */
    int preadSome(ByteBuffer dst, long off) throws IOException;

    /** One write at the position: the count written. */
    int writeSome(ByteBuffer src) throws IOException;

    /** One pwrite(2): the count written. */
    int pwriteSome(ByteBuffer src, long off) throws IOException;

    /** fsync(2). */
    void fsync() throws IOException;

    @Override
    void close() throws IOException;

    /** Reads at the position until {@code dst} is full or the file ends; -1 at the end. */
    default int read(ByteBuffer dst) throws IOException {
      int total = 0;
      while (dst.hasRemaining()) {
        int n = readSome(dst);
        if (n < 0) {
          break;
        }
        total += n;
      }
      return total == 0 && dst.hasRemaining() ? -1 : total;
    }

    /** pread(2) until {@code dst} is full or the file ends; -1 at or past the end. */
    default int pread(ByteBuffer dst, long off) throws IOException {
      int total = 0;
      while (dst.hasRemaining()) {
        int n = preadSome(dst, off + total);
        if (n < 0) {
          break;
        }
        total += n;
      }
      return total == 0 && dst.hasRemaining() ? -1 : total;
    }

    /** Writes all of {@code src} at the position. */
    default void write(ByteBuffer src) throws IOException {
      while (src.hasRemaining()) {
        writeSome(src);
      }
    }

    /** pwrite(2) of all of {@code src}. */
    default void pwrite(ByteBuffer src, long off) throws IOException {
      long at = off;
      while (src.hasRemaining()) {
        at += pwriteSome(src, at);
      }
    }
  }

  /** open(O_WRONLY | O_CREAT | O_TRUNC, 0644). */
  Handle create(String path) throws IOException;

  /** open(O_RDONLY). */
  Handle openRead(String path) throws IOException;

  /** open(O_RDWR). */
  Handle openReadWrite(String path) throws IOException;

  void mkdir(String path) throws IOException;

  void unlink(String path) throws IOException;

  /**
   * A buffer of the kind this target copies least from: heap for Hearth (its client works on
   * arrays), direct for java.nio (a heap buffer would be copied through a temporary direct one).
   */
  ByteBuffer allocate(int bytes);

  /**
   * Forgets every file byte this process caches, so that the next reads go to the servers: Hearth
   * replaces its client by a fresh one (empty block cache, ready connections). Local disk: nothing
   * (the page cache belongs to the kernel; see {@code FileBench.SeqReader}). No file may be open.
   */
  void dropClientCache() throws IOException;

  @Override
  void close() throws IOException;
}
