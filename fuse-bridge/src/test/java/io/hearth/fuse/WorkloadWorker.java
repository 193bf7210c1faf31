package io.hearth.fuse;

import io.hearth.fuse.Workload.OpFailed;
import io.hearth.fuse.Workload.WrongData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * One thread of a {@link Workload}: picks operations from its seeded Random on its own directory
 * {@code w<i>} and keeps the model of what was acknowledged there. Its fields are touched by its
 * own thread only (and by {@link #verify} after that thread ended). Paths in the model are relative
 * to the workload's root, '/'-separated.
 */
final class WorkloadWorker {
  /** Deepest directory mkdir makes, counting the worker's own as 1. */
  static final int DEPTH_MAX = 4;

  static final int SMALL_MAX = 64 << 10;
  static final int BLOCK = 4 << 20;

  record Checked(int files, int dirs, long bytes) {}

  private final Workload workload;
  private final Workload.Options options;
  private final Random rnd;
  private final String home;
  private final NavigableMap<String, FileContent> files = new TreeMap<>();
  private final NavigableSet<String> dirs = new TreeSet<>();

  /** Paths whose state an error left unknown: never compared, never chosen again. */
  private final NavigableSet<String> uncertain = new TreeSet<>();

  private long bytes;
  private int nextName;

  WorkloadWorker(Workload workload, int index, long seed, Workload.Options options) {
    this.workload = workload;
    this.options = options;
    this.rnd = new Random(seed);
    this.home = "w" + index;
  }

  void run() {
    try {
      mkdir(home);
      while (workload.running()) {
        step();
        if (options.pauseMsMax() > 0) {
          Thread.sleep(rnd.nextInt(options.pauseMsMax() + 1));
        }
      }
    } catch (OpFailed e) {
      // only a hang ends a worker: its runner thread is stuck, and so would the next be
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void step() throws OpFailed {
    try {
      int p = rnd.nextInt(100);
      boolean full = bytes > options.bytesMaxPerThread() - options.fileBytesMax();
      full |= files.size() >= options.filesMaxPerThread();
      if (files.isEmpty() || (p < 30 && !full)) {
        create();
      } else if (p < 37) {
        unlink();
      } else if (p < 60) {
        read();
      } else if (p < 70) {
        overwrite();
      } else if (p < 78) {
        list();
      } else if (p < 85) {
        renameFile();
      } else if (p < 91) {
        mkdir(pick(dirs) + "/d" + nextName++);
      } else if (p < 95) {
        renameDir();
      } else {
        rmdir();
      }
    } catch (OpFailed e) {
      if (e.hung) {
        throw e;
      }
    }
  }

  // ---- the operations ----

  private void create() throws OpFailed {
    String path = pick(dirs) + "/f" + nextName++;
    int size = size();
    FileContent c = FileContent.of(size, rnd.nextLong());
    boolean fsync = rnd.nextInt(4) == 0;
    int chunk = 4096 << rnd.nextInt(9); // 4 KiB..1 MiB writes
    String op = fsync ? "create+fsync" : "create";
    change(op, path, () -> write(path, c.bytes(), 0, chunk, fsync, true), path);
    files.put(path, c);
    bytes += size;
  }

  /** Sizes: a few empty, most small, some up to 4 MiB, some over (spanning two blocks). */
  private int size() {
    int p = rnd.nextInt(100);
    int max = options.fileBytesMax();
    if (p < 5) {
      return 0;
    } else if (p < 65) {
      return 1 + rnd.nextInt(Math.min(max, SMALL_MAX));
    } else if (p < 85) {
      return 1 + rnd.nextInt(Math.min(max, 1 << 20));
    } else if (p < 95 || max <= BLOCK) {
      return 1 + rnd.nextInt(Math.min(max, BLOCK));
    }
    return BLOCK + 1 + rnd.nextInt(max - BLOCK);
  }

  private void overwrite() throws OpFailed {
    String path = pick(files.navigableKeySet());
    FileContent before = files.get(path);
    int offset = rnd.nextInt(before.size() + 1);
    int room = options.fileBytesMax() - offset;
    if (room <= 0) {
      return;
    }
    int length = 1 + rnd.nextInt(Math.min(room, 1 << 20));
    FileContent after = before.overwrite(offset, length, rnd.nextLong());
    boolean fsync = rnd.nextInt(4) == 0;
    byte[] run = FileContent.stream(length, after.runs().getLast().seed());
    files.remove(path);
    change(
        fsync ? "overwrite+fsync" : "overwrite",
        path,
        () -> write(path, run, offset, 128 << 10, fsync, false),
        path);
    files.put(path, after);
    bytes += after.size() - before.size();
  }

  private Void write(String path, byte[] b, int offset, int chunk, boolean fsync, boolean create)
      throws IOException {
    try (FileChannel ch =
        create
            ? FileChannel.open(
                resolve(path), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)
            : FileChannel.open(resolve(path), StandardOpenOption.WRITE)) {
      for (int at = 0; at < b.length; at += chunk) {
        ByteBuffer buf = ByteBuffer.wrap(b, at, Math.min(chunk, b.length - at));
        while (buf.hasRemaining()) {
          ch.write(buf, offset + buf.position());
        }
      }
      if (fsync) {
        ch.force(true);
      }
    }
    return null;
  }

  private void read() throws OpFailed {
    String path = pick(files.navigableKeySet());
    FileContent c = files.get(path);
    workload.run("read", path, () -> checkFile(path, c));
  }

  private Void checkFile(String path, FileContent c) throws IOException {
    String wrong = c.mismatch(Files.readAllBytes(resolve(path)));
    if (wrong != null) {
      throw new WrongData(wrong);
    }
    return null;
  }

  private void list() throws OpFailed {
    String dir = pick(dirs);
    Set<String> want = children(dir);
    Set<String> ignore = uncertainIn(dir);
    workload.run("list", dir, () -> checkListing(dir, want, ignore));
  }

  /** Lists {@code dir}: its names, but those in {@code ignore}, must be {@code want}. */
  private Void checkListing(String dir, Set<String> want, Set<String> ignore) throws IOException {
    Set<String> got = new TreeSet<>();
    try (Stream<Path> s = Files.list(resolve(dir))) {
      s.forEach(p -> got.add(p.getFileName().toString()));
    }
    got.removeAll(ignore);
    if (!got.equals(want)) {
      Set<String> missing = new TreeSet<>(want);
      missing.removeAll(got);
      got.removeAll(want);
      throw new WrongData("listing: missing " + missing + ", unexpected " + got);
    }
    return null;
  }

  /** The names the model has directly in {@code dir}. */
  private Set<String> children(String dir) {
    Set<String> names = names(files.navigableKeySet(), dir);
    names.addAll(names(dirs, dir));
    return names;
  }

  /** The names in {@code dir} that an error left uncertain. */
  private Set<String> uncertainIn(String dir) {
    return names(uncertain, dir);
  }

  /** The last components of the paths of {@code set} directly in {@code dir}. */
  private static Set<String> names(NavigableSet<String> set, String dir) {
    Set<String> names = new TreeSet<>();
    String prefix = dir + "/";
    for (String p : under(set, prefix)) {
      if (p.indexOf('/', prefix.length()) < 0) {
        names.add(p.substring(prefix.length()));
      }
    }
    return names;
  }

  private void renameFile() throws OpFailed {
    String from = pick(files.navigableKeySet());
    String to = pick(dirs) + "/f" + nextName++;
    FileContent c = files.remove(from);
    change("rename", from + " -> " + to, () -> move(from, to), from, to);
    files.put(to, c);
  }

  private void unlink() throws OpFailed {
    String path = pick(files.navigableKeySet());
    FileContent c = files.remove(path);
    change("unlink", path, () -> delete(path), path);
    bytes -= c.size();
  }

  private void mkdir(String dir) throws OpFailed {
    if (depth(dir) > DEPTH_MAX) {
      return;
    }
    change("mkdir", dir, () -> Files.createDirectory(resolve(dir)), dir);
    dirs.add(dir);
  }

  /** Renames a directory (not the worker's own) within its parent, with everything under it. */
  private void renameDir() throws OpFailed {
    List<String> candidates = new ArrayList<>(dirs);
    candidates.remove(home);
    if (candidates.isEmpty()) {
      return;
    }
    String from = candidates.get(rnd.nextInt(candidates.size()));
    String to = from.substring(0, from.lastIndexOf('/')) + "/d" + nextName++;
    // Until it returns, the subtree is in one place or the other: take it out of the model.
    Map<String, FileContent> movedFiles = new TreeMap<>();
    for (String p : List.copyOf(under(files.navigableKeySet(), from + "/"))) {
      movedFiles.put(p, files.remove(p));
    }
    List<String> movedDirs = new ArrayList<>(under(dirs, from + "/"));
    movedDirs.add(from);
    dirs.removeAll(movedDirs);
    change("rename-dir", from + " -> " + to, () -> move(from, to), from, to);
    movedFiles.forEach((p, c) -> files.put(to + p.substring(from.length()), c));
    movedDirs.forEach(d -> dirs.add(to + d.substring(from.length())));
  }

  /** Removes a directory the model says is empty, if there is one. */
  private void rmdir() throws OpFailed {
    for (String dir : dirs.descendingSet()) {
      if (!dir.equals(home)
          && children(dir).isEmpty()
          && under(uncertain, dir + "/").isEmpty()
          && rnd.nextBoolean()) {
        dirs.remove(dir);
        change("rmdir", dir, () -> delete(dir), dir);
        return;
      }
    }
  }

  // ---- verification, after the thread ended ----

  Checked verify(List<String> mismatches) throws InterruptedException {
    long total = 0;
    for (Map.Entry<String, FileContent> e : files.entrySet()) {
      total += e.getValue().size();
      check(e.getKey(), () -> checkFile(e.getKey(), e.getValue()), mismatches);
    }
    for (String dir : dirs) {
      Set<String> want = children(dir);
      Set<String> ignore = uncertainIn(dir);
      check(dir, () -> checkListing(dir, want, ignore), mismatches);
    }
    return new Checked(files.size(), dirs.size(), total);
  }

  private void check(String path, Callable<Void> body, List<String> mismatches)
      throws InterruptedException {
    try {
      workload.call(body);
    } catch (IOException e) {
      mismatches.add(path + ": " + (e instanceof WrongData ? e.getMessage() : e.toString()));
    } catch (TimeoutException e) {
      mismatches.add(path + ": no answer within " + options.opTimeout().toMillis() + " ms");
    } catch (RuntimeException e) {
      mismatches.add(path + ": " + e);
    }
  }

  // ---- helpers ----

  /**
   * Runs an operation that changes {@code paths}: they are uncertain until it returns, and stay so
   * if it fails (the caller then leaves them out of the model).
   */
  private void change(String op, String shown, Callable<?> body, String... paths) throws OpFailed {
    List<String> changed = List.of(paths);
    uncertain.addAll(changed);
    workload.run(op, shown, body);
    uncertain.removeAll(changed);
  }

  private Path move(String from, String to) throws IOException {
    return Files.move(resolve(from), resolve(to));
  }

  private Void delete(String rel) throws IOException {
    Files.delete(resolve(rel));
    return null;
  }

  private Path resolve(String rel) {
    return workload.root().resolve(rel);
  }

  private String pick(NavigableSet<String> from) {
    int i = rnd.nextInt(from.size());
    for (String s : from) {
      if (i-- == 0) {
        return s;
      }
    }
    throw new IllegalStateException("unreachable");
  }

  private static NavigableSet<String> under(NavigableSet<String> set, String prefix) {
    return set.subSet(prefix, true, prefix + Character.MAX_VALUE, false);
  }

  private static int depth(String dir) {
    return (int) dir.chars().filter(c -> c == '/').count() + 1;
  }
}
