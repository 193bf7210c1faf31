package io.hearth.cli;

import io.hearth.client.HearthClient;
import io.hearth.client.HearthFile;
import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import picocli.CommandLine.Option;

/**
 * The frame of the commands that move file contents (put, get, cat): I/O in {@link #IO_BYTES}
 * pieces, local files where "-" is stdin or stdout, local errors named by errno like the cluster's
 * ({@code hearth fs put: a.csv: ENOENT (No such file or directory)}), each failure reported against
 * the end of the copy that failed.
 */
abstract class DataCommand extends FsSubcommand {
  static final int IO_BYTES = 1 << 20;

  /** The local file name for stdin (put) or stdout (get). */
  static final String STDIO = "-";

  static final String STDIN_NAME = "standard input";
  static final String STDOUT_NAME = "standard output";

  /** strerror(EPIPE), which {@link Errno} has no name for. */
  private static final String BROKEN_PIPE = "Broken pipe";

  /** Reads into {@code dst}; returns the count, or -1 at the end. */
  interface Source {
    int read(ByteBuffer dst) throws HearthException;
  }

  /** Writes all of {@code src}. */
  interface Sink {
    void write(ByteBuffer src) throws HearthException;
  }

  interface Closer {
    void close() throws HearthException;
  }

  /** One end of a copy: what to call it in messages, its reads or writes, how to close it. */
  record End<T>(String name, T io, Closer closer) {}

  interface Opener<T> {
    End<T> open() throws EndFailed;
  }

  /** A failure at one end of a copy, with the name it is reported under. */
  static final class EndFailed extends Exception {
    final String name;
    final HearthException error;

    EndFailed(String name, HearthException error) {
      super(name, error, false, false);
      this.name = name;
      this.error = error;
    }
  }

  /**
   * Copies {@code from} to {@code to} until the end of {@code from}, in {@link #IO_BYTES} pieces
   * (the last may be short).
   */
  void copy(End<Source> from, End<Sink> to, Progress progress) throws EndFailed {
    ByteBuffer buf = ByteBuffer.allocate(IO_BYTES);
    boolean end = false;
    while (!end) {
      buf.clear();
      try {
        while (buf.hasRemaining() && !end) {
          end = from.io().read(buf) < 0;
        }
      } catch (HearthException e) {
        throw new EndFailed(from.name(), e);
      }
      buf.flip();
      int n = buf.remaining();
      if (n > 0) {
        try {
          to.io().write(buf);
        } catch (HearthException e) {
          throw new EndFailed(to.name(), e);
        }
        progressed();
        progress.add(n);
      }
    }
  }

  /**
   * Opens the ends (the source first, so that a missing source creates or truncates nothing),
   * copies, and closes them; a failure, closing included (where a Hearth file's writes are made
   * durable), is reported against the end that failed and returned; null when it all worked.
   */
  EndFailed transfer(Opener<Source> source, Opener<Sink> sink, Progress progress) {
    End<Source> from = null;
    End<Sink> to = null;
    try {
      from = source.open();
      to = sink.open();
      copy(from, to, progress);
      End<Sink> closing = to;
      to = null;
      close(closing);
      progress.done();
      return null;
    } catch (EndFailed e) {
      if (e.name.equals(STDOUT_NAME) && BROKEN_PIPE.equals(e.error.detail())) {
        // The reader is gone (| head): nothing to tell it, as cat's SIGPIPE death tells nothing.
        failQuietly();
      } else {
        fail(e.name, e.error);
      }
      return e;
    } finally {
      closeQuietly(to);
      closeQuietly(from);
    }
  }

  static void close(End<?> e) throws EndFailed {
    try {
      e.closer().close();
    } catch (HearthException x) {
      throw new EndFailed(e.name(), x);
    }
  }

  /** Closes an end after a failure (or a read-only end), when no close failure is news. */
  static void closeQuietly(End<?> e) {
    if (e == null) {
      return;
    }
    try {
      e.closer().close();
    } catch (HearthException x) {
      // the first failure is the one reported
    }
  }

  // ---- Hearth ends ----

  static Opener<Source> hearthSource(HearthClient c, String path) {
    return () -> {
      HearthFile f = openHearth(c, path, HearthFile.O_RDONLY, 0);
      return new End<>(path, f::read, f::close);
    };
  }

  static Opener<Sink> hearthSink(HearthClient c, String path, int createMode) {
    return () -> {
      int flags = HearthFile.O_WRONLY | HearthFile.O_CREAT | HearthFile.O_TRUNC;
      HearthFile f = openHearth(c, path, flags, createMode);
      return new End<>(path, f::write, f::close);
    };
  }

  private static HearthFile openHearth(HearthClient c, String path, int flags, int mode)
      throws EndFailed {
    try {
      return c.open(path, flags, mode);
    } catch (HearthException e) {
      throw new EndFailed(path, e);
    }
  }

  // ---- local ends ----

  private HearthCli root() {
    return (HearthCli) spec.root().userObject();
  }

  /** A local file (or stdin for "-") to read. */
  Opener<Source> localSource(String local) {
    if (STDIO.equals(local)) {
      InputStream in = root().stdin;
      return () ->
          new End<>(
              STDIN_NAME,
              dst ->
                  localIo(
                      () -> {
                        int n =
                            in.read(
                                dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
                        dst.position(dst.position() + Math.max(n, 0));
                        return n;
                      }),
              () -> {});
    }
    return () -> {
      FileChannel ch = openLocal(local, () -> FileChannel.open(Path.of(local)));
      return new End<>(local, dst -> localIo(() -> ch.read(dst)), closer(ch));
    };
  }

  /**
   * A local file (or stdout for "-") to write: truncated if it exists, else created with {@code
   * perm} less the umask, as open(2) does.
   */
  Opener<Sink> localSink(String local, int perm) {
    if (STDIO.equals(local)) {
      OutputStream out = root().stdout;
      return () ->
          new End<>(
              STDOUT_NAME,
              src ->
                  localIo(
                      () -> {
                        out.write(src.array(), src.arrayOffset() + src.position(), src.remaining());
                        src.position(src.limit());
                        return null;
                      }),
              () ->
                  localIo(
                      () -> {
                        out.flush();
                        return null;
                      }));
    }
    return () -> {
      FileChannel ch =
          openLocal(
              local,
              () ->
                  FileChannel.open(
                      Path.of(local),
                      java.util.Set.of(
                          StandardOpenOption.WRITE,
                          StandardOpenOption.CREATE,
                          StandardOpenOption.TRUNCATE_EXISTING),
                      PosixFilePermissions.asFileAttribute(Modes.permissions(perm))));
      return new End<>(
          local,
          src ->
              localIo(
                  () -> {
                    while (src.hasRemaining()) {
                      ch.write(src);
                    }
                    return null;
                  }),
          closer(ch));
    };
  }

  /** Opens a local file, refusing a directory (which Java would open for reading). */
  private static FileChannel openLocal(String local, LocalIo<FileChannel> open) throws EndFailed {
    try {
      if (Files.isDirectory(Path.of(local))) {
        throw new EndFailed(local, new HearthException(Errno.EISDIR, local));
      }
      return open.call();
    } catch (IOException e) {
      throw new EndFailed(local, errno(e));
    }
  }

  private Closer closer(FileChannel ch) {
    return () ->
        localIo(
            () -> {
              ch.close();
              return null;
            });
  }

  /** Local I/O: exempt from --timeout, its IOException turned into an errno. */
  private <T> T localIo(LocalIo<T> io) throws HearthException {
    try {
      return local(io);
    } catch (IOException e) {
      throw errno(e);
    }
  }

  /**
   * The errno of a local I/O failure: the one whose strerror text the OS gave (all Java keeps),
   * else EIO with that text.
   */
  static HearthException errno(IOException e) {
    if (e instanceof NoSuchFileException) {
      return new HearthException(Errno.ENOENT, e.getMessage(), e);
    }
    if (e instanceof AccessDeniedException) {
      return new HearthException(Errno.EACCES, e.getMessage(), e);
    }
    String reason = e instanceof FileSystemException f ? f.getReason() : e.getMessage();
    for (Errno x : Errno.values()) {
      if (x.description().equals(reason)) {
        return new HearthException(x, e.getMessage(), e);
      }
    }
    return new HearthException(Errno.EIO, reason != null ? reason : e.toString(), e);
  }

  /** put and get: one source, one destination, a progress line. */
  abstract static class Transfer extends DataCommand {
    @Option(
        names = {"-q", "--quiet"},
        description = "Print neither progress nor the closing summary line.")
    boolean quiet;

    /** The progress of a copy to {@code dest}; none when the copy's bytes go to stdout. */
    Progress progress(String dest) {
      return new Progress(out, dest, quiet || STDIO.equals(dest));
    }
  }
}
