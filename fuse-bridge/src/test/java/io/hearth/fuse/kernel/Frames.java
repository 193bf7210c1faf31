package io.hearth.fuse.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Builds requests byte by byte the way the kernel lays them out (fuse.h, native order) and reads
 * replies back, so that the codec is checked against the protocol without a mount.
 */
final class Frames {
  private Frames() {}

  /** A request's argument bytes, written field by field. */
  static final class Args {
    private final ByteBuffer b = ByteBuffer.allocate(1 << 21).order(ByteOrder.nativeOrder());

    Args u32(int v) {
      b.putInt(v);
      return this;
    }

    Args u64(long v) {
      b.putLong(v);
      return this;
    }

    Args zeros(int n) {
      b.put(new byte[n]);
      return this;
    }

    /** A name and its NUL. */
    Args name(String s) {
      return name(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    Args name(byte[] n) {
      b.put(n).put((byte) 0);
      return this;
    }

    Args bytes(byte[] n) {
      b.put(n);
      return this;
    }

    byte[] toArray() {
      byte[] out = new byte[b.position()];
      b.duplicate().flip().get(out);
      return out;
    }
  }

  static Args args() {
    return new Args();
  }

  /** fuse_in_header + args: what one read(2) of /dev/fuse returns. */
  static byte[] request(int opcode, long unique, long nodeId, Args args) {
    return request(opcode, unique, nodeId, 1000, 100, 4242, args.toArray());
  }

  static byte[] request(
      int opcode, long unique, long nodeId, int uid, int gid, int pid, byte[] args) {
    ByteBuffer b = ByteBuffer.allocate(40 + args.length).order(ByteOrder.nativeOrder());
    b.putInt(40 + args.length).putInt(opcode).putLong(unique).putLong(nodeId);
    b.putInt(uid).putInt(gid).putInt(pid).putShort((short) 0).putShort((short) 0);
    b.put(args);
    return b.array();
  }

  /** A reply as written: the header's three fields and the payload. */
  record Written(int len, int error, long unique, ByteBuffer payload) {
    int u32(int off) {
      return payload.getInt(off);
    }

    long u64(int off) {
      return payload.getLong(off);
    }

    short u16(int off) {
      return payload.getShort(off);
    }

    byte[] bytes(int off, int n) {
      byte[] out = new byte[n];
      payload.get(off, out);
      return out;
    }
  }

  static Written parse(byte[] reply) {
    ByteBuffer b = ByteBuffer.wrap(reply).order(ByteOrder.nativeOrder());
    int len = b.getInt(0);
    ByteBuffer payload =
        ByteBuffer.wrap(reply, 16, reply.length - 16).slice().order(ByteOrder.nativeOrder());
    return new Written(len, b.getInt(4), b.getLong(8), payload);
  }

  /**
   * A channel fed from a queue of requests and recording every write. {@link #end} makes the next
   * read fail with ENODEV, as an unmount does.
   */
  static final class QueueChannel implements Channel {
    private static final byte[] END = new byte[0];
    private final BlockingQueue<byte[]> in = new LinkedBlockingQueue<>();
    private final BlockingQueue<byte[]> out = new LinkedBlockingQueue<>();
    volatile boolean closed;

    void feed(byte[] request) {
      in.add(request);
    }

    void end() {
      in.add(END);
    }

    @Override
    public int read(MemorySegment buf) {
      try {
        byte[] r = in.take();
        if (r == END) {
          in.add(END); // every reader sees the end
          return -Errnos.ENODEV;
        }
        MemorySegment.copy(MemorySegment.ofArray(r), 0, buf, 0, r.length);
        return r.length;
      } catch (InterruptedException e) {
        return -Errnos.EINTR;
      }
    }

    @Override
    public int write(MemorySegment buf, int len) {
      out.add(buf.asSlice(0, len).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
      return len;
    }

    Written next() throws InterruptedException {
      byte[] r = out.poll(10, TimeUnit.SECONDS);
      if (r == null) {
        throw new AssertionError("no reply within 10 s");
      }
      return parse(r);
    }

    Written poll(long ms) throws InterruptedException {
      byte[] r = out.poll(ms, TimeUnit.MILLISECONDS);
      return r == null ? null : parse(r);
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  /** Serves requests one at a time on the calling thread, as one request thread does. */
  static final class Direct {
    final Arena arena = Arena.ofAuto();
    final MemorySegment inBuf = arena.allocate(1 << 21);
    final Reply out = new Reply(arena.allocate(16 + (1 << 20)));
    final Request req = new Request(inBuf);
    final DirBuffer dir = new DirBuffer(out);
    final Dispatcher dispatcher;
    final List<byte[]> writes = new ArrayList<>();
    final Deque<Long> interrupted = new ArrayDeque<>();
    Connection initialized;
    boolean destroyed;

    Direct(InodeFileSystem fs) {
      dispatcher =
          new Dispatcher(
              fs,
              new Dispatcher.Control() {
                @Override
                public long wantedFlags() {
                  return SessionOptions.DEFAULT_FLAGS;
                }

                @Override
                public int maxWrite() {
                  return 1 << 20;
                }

                @Override
                public int maxReadahead() {
                  return 0;
                }

                @Override
                public int pageSize() {
                  return 4096;
                }

                @Override
                public void initialized(Connection c) {
                  initialized = c;
                }

                @Override
                public void destroyed() {
                  destroyed = true;
                }

                @Override
                public boolean interrupt(long unique) {
                  interrupted.add(unique);
                  return unique == 77;
                }
              });
    }

    /** Serves one request; the reply, or null when the protocol wants none. */
    Written serve(byte[] request) {
      MemorySegment.copy(MemorySegment.ofArray(request), 0, inBuf, 0, request.length);
      if (!req.reset(request.length)) {
        throw new AssertionError("not a request");
      }
      int before = writes.size();
      dispatcher.serve(
          req,
          out,
          dir,
          new Channel() {
            @Override
            public int read(MemorySegment buf) {
              throw new UnsupportedOperationException();
            }

            @Override
            public int write(MemorySegment buf, int len) {
              writes.add(buf.asSlice(0, len).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
              return len;
            }

            @Override
            public void close() {}
          });
      if (writes.size() == before) {
        return null;
      }
      if (writes.size() != before + 1) {
        throw new AssertionError("more than one write for one request");
      }
      return parse(writes.getLast());
    }
  }
}
