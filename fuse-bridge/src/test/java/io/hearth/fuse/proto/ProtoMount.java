package io.hearth.fuse.proto;

import io.hearth.fuse.kernel.Session;
import io.hearth.fuse.kernel.SessionOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Mounts {@link MemFs} through one of the two bridge prototypes, for scripts/bench-bridge:
 *
 * <pre>
 *   ProtoMount (a|b) MOUNTPOINT [--threads N] [--clone-fd] [-o opt,opt]
 * </pre>
 *
 * a: libfuse3's low-level API through FFM ({@link LowLevelMount}); b: /dev/fuse directly ({@link
 * Session}). Prints {@value #READY} once the kernel serves the mount, then serves until SIGTERM
 * (unmounts, exits 0) or until the mount is taken away (umount, fusermount3 -u: exits 0).
 */
public final class ProtoMount {
  static final String READY = "MOUNTED";

  private ProtoMount() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: ProtoMount (a|b) MOUNTPOINT [--threads N] [--clone-fd] [-o opts]");
      System.exit(2);
    }
    String impl = args[0];
    Path mnt = Path.of(args[1]);
    int threads = 4;
    boolean clone = false;
    List<String> opts = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      switch (args[i]) {
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--clone-fd" -> clone = true;
        case "-o" -> opts.addAll(List.of(args[++i].split(",")));
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    MemFs fs = MemFs.withSystemClock();
    AutoCloseable mount;
    Runnable await;
    switch (impl) {
      case "a" -> {
        LowLevelMount m = LowLevelMount.mount(fs, mnt, opts, threads, clone);
        mount = m;
        await = m::awaitStopped;
      }
      case "b" -> {
        SessionOptions o =
            SessionOptions.defaults("memfs")
                .withThreads(threads)
                .withCloneFd(clone)
                .withMountOptions(opts);
        Session s = Session.mount(fs, mnt, o);
        mount = s;
        await =
            () -> {
              try {
                while (!s.awaitStopped(Duration.ofHours(1))) {
                  // serve until unmounted
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            };
      }
      default -> throw new IllegalArgumentException("impl must be a or b: " + impl);
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    mount.close();
                  } catch (Exception e) {
                    System.err.println("unmount failed: " + e);
                  }
                }));
    System.out.println(READY + " " + impl + " " + mnt);
    System.out.flush();
    await.run();
    System.out.println("stopped " + impl + " " + mnt);
  }
}
