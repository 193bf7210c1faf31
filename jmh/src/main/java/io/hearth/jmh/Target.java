package io.hearth.jmh;

import java.io.IOException;

/**
 * The namespace operations a benchmark drives, on Hearth or on a local directory, so that both run
 * the same code path in the same JVM and the ratio between them means something.
 */
interface Target extends AutoCloseable {
  void mkdir(String path) throws IOException;

  void create(String path) throws IOException;

  void stat(String path) throws IOException;

  void rename(String from, String to) throws IOException;

  void unlink(String path) throws IOException;

  @Override
  void close() throws IOException;
}
