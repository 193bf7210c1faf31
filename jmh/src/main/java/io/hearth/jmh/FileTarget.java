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
    /** Reads at the position until {@code dst} is full or the file ends; -1 at the end. */
    int read(ByteBuffer dst) throws IOException;

    /** pread(2) until {@code dst} is full or the file ends; -1 at or past the end. */
    int pread(ByteBuffer dst, long off) throws IOException;

    /** Writes all of {@code src} at the position. */
    void write(ByteBuffer src) throws IOException;

    /** pwrite(2) of all of {@code src}. */
    void pwrite(ByteBuffer src, long off) throws IOException;

    /** fsync(2). */
    void fsync() throws IOException;

    @Override
    void close() throws IOException;
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
