package io.hearth.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * One end of a FUSE connection as the request loop uses it: a read returns one whole request, a
 * write sends one whole reply. /dev/fuse ({@link DevFuse}) in a mount; a queue in tests. Not
 * thread-safe: each request thread has its own.
 */
interface Channel extends AutoCloseable {
  /** Reads one request into {@code buf}; its length, or -errno. */
  int read(MemorySegment buf);

  /** Writes {@code len} bytes of {@code buf} as one reply; {@code len}, or -errno. */
  int write(MemorySegment buf, int len);

  @Override
  void close();
}
