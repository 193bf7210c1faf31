package io.hearth.server.meta;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;

/**
 * Where the meta state machine keeps its files, under the Ratis group's {@code sm/} directory:
 *
 * <pre>
 * sm/db/                         the live RocksDB
 * sm/snapshots/cp_TERM_INDEX/    RocksDB checkpoints: the Raft snapshots (hard links, cheap)
 * sm/tmp/                        checkpoints being made or received
 * </pre>
 *
 * A snapshot installed from the leader replaces {@code sm/snapshots/} whole, never the live db.
 */
final class CheckpointStorage implements StateMachineStorage {
  private static final Pattern NAME = Pattern.compile("cp_(\\d+)_(\\d+)");

  private Path smDir;

  @Override
  public void init(RaftStorage storage) throws IOException {
    smDir = storage.getStorageDir().getStateMachineDir().toPath();
    Files.createDirectories(snapshotsDir());
    Files.createDirectories(tmpDir());
  }

  Path dbDir() {
    return smDir.resolve("db");
  }

  Path snapshotsDir() {
    return smDir.resolve("snapshots");
  }

  Path tmpDir() {
    return smDir.resolve("tmp");
  }

  Path checkpointDir(TermIndex ti) {
    return snapshotsDir().resolve("cp_" + ti.getTerm() + "_" + ti.getIndex());
  }

  /** The newest checkpoint's term and index, or null when there is none. */
  TermIndex latestTermIndex() throws IOException {
    TermIndex best = null;
    if (!Files.isDirectory(snapshotsDir())) {
      return null;
    }
    try (Stream<Path> s = Files.list(snapshotsDir())) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        if (m.matches()) {
          TermIndex ti = TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
          if (best == null || ti.getIndex() > best.getIndex()) {
            best = ti;
          }
        }
      }
    }
    return best;
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    try {
      TermIndex ti = latestTermIndex();
      if (ti == null) {
        return null;
      }
      List<FileInfo> files = new ArrayList<>();
      try (Stream<Path> s = Files.walk(checkpointDir(ti))) {
        for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
          files.add(new FileInfo(p, null));
        }
      }
      return new FileListSnapshotInfo(files, ti);
    } catch (IOException e) {
      throw new IllegalStateException("cannot list snapshots in " + snapshotsDir(), e);
    }
  }

  @Override
  public void format() {}

  @Override
  public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
    keepNewest(Math.max(1, policy.getNumSnapshotsRetained()));
  }

  /** Deletes all but the newest {@code keep} checkpoints. */
  void keepNewest(int keep) throws IOException {
    List<Path> all = new ArrayList<>();
    try (Stream<Path> s = Files.list(snapshotsDir())) {
      s.filter(p -> NAME.matcher(p.getFileName().toString()).matches()).forEach(all::add);
    }
    all.sort(Comparator.comparingLong(CheckpointStorage::indexOf).reversed());
    for (int i = keep; i < all.size(); i++) {
      deleteTree(all.get(i));
    }
  }

  private static long indexOf(Path p) {
    Matcher m = NAME.matcher(p.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(2)) : -1;
  }

  @Override
  public File getSnapshotDir() {
    return snapshotsDir().toFile();
  }

  @Override
  public File getTmpDir() {
    return tmpDir().toFile();
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  /** Makes {@code to} a copy of the checkpoint {@code from}, hard-linking its immutable files. */
  static void linkCopy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> s = Files.list(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path dst = to.resolve(p.getFileName().toString());
        String name = p.getFileName().toString();
        if (name.endsWith(".sst") || name.endsWith(".blob")) {
          Files.createLink(dst, p);
        } else {
          Files.copy(p, dst);
        }
      }
    }
  }
}
