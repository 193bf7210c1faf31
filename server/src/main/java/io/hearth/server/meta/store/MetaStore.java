package io.hearth.server.meta.store;

import io.hearth.protocol.FileMode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import org.rocksdb.Checkpoint;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The namespace of one replica, in one RocksDB.
 *
 * <p>Guarantees: every {@link #commit} is one atomic WriteBatch that also records the applied term
 * and index, so after any crash the database holds exactly the effects of the entries up to its
 * recorded index and replay resumes from the next one. Writes go to the RocksDB WAL without fsync:
 * the Raft log is what is fsync'd, and replays what a lost WAL tail held.
 *
 * <p>Threads: one writer (the Raft apply thread) calls {@link #commit}; any number of readers use
 * {@link #readTxn}, each on its own RocksDB snapshot, concurrently with the writer.
 */
public final class MetaStore implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  /** What a fresh replica holds before the first log entry; identical on every replica. */
  public static final int ROOT_MODE = FileMode.S_IFDIR | 0755;

  private final Path dir;
  private final Options options;
  private final RocksDB db;
  private final WriteOptions writeOptions = new WriteOptions().setSync(false);

  /**
   * Whether no entry has been applied yet, so the next write txn gives the root its times; read and
   * cleared by the one writer only, so that every later entry pays nothing for it.
   */
  private boolean fresh;

  private MetaStore(Path dir, Options options, RocksDB db) {
    this.dir = dir;
    this.options = options;
    this.db = db;
  }

  /** Opens (creating if needed) the namespace in {@code dir}; a new one holds only the root. */
  public static MetaStore open(Path dir) throws IOException {
    Files.createDirectories(dir);
    Options options = new Options().setCreateIfMissing(true);
    try {
      MetaStore store = new MetaStore(dir, options, RocksDB.open(options, dir.toString()));
      store.createRootIfMissing();
      store.fresh = store.applied()[1] < 0;
      return store;
    } catch (RocksDBException e) {
      options.close();
      throw new IOException(
          "cannot open the namespace database in " + dir + ": " + e.getMessage(), e);
    }
  }

  private void createRootIfMissing() throws RocksDBException {
    if (db.get(KeySchema.inode(KeySchema.ROOT_INO)) != null) {
      return;
    }
    InodeRecord root = new InodeRecord();
    root.ino = KeySchema.ROOT_INO;
    root.mode = ROOT_MODE;
    root.nlink = 2;
    root.parent = KeySchema.ROOT_INO;
    try (WriteBatch b = new WriteBatch()) {
      b.put(KeySchema.inode(root.ino), root.encode());
      b.put(KeySchema.INODE_COUNT, longBytes(1));
      db.write(writeOptions, b);
    }
  }

  public Path dir() {
    return dir;
  }

  /** A view for one read-only operation, on a consistent snapshot. */
  public Txn readTxn() {
    Snapshot snap = db.getSnapshot();
    ReadOptions ro = new ReadOptions().setSnapshot(snap);
    return new Txn(
        db,
        ro,
        () -> {
          ro.close();
          db.releaseSnapshot(snap);
        });
  }

  /**
   * A view for the one writer, for the log entry the leader stamped with {@code entryTimeNs}; reads
   * the latest committed state.
   *
   * <p>The root exists before any entry, with times 0 on every replica (a replica cannot read a
   * clock and stay identical to the others). The first entry a new namespace applies gives it its
   * times, the time that entry carries, in the entry's own batch: so the root shows when the
   * cluster began, the same on every replica, before the entry's operation runs (which may set them
   * again, as {@code touch /} would). A namespace that had applied entries before this rule existed
   * keeps times 0: giving them now would stamp a replica that applied that entry with an older
   * version differently from the others.
   */
  public Txn writeTxn(long entryTimeNs) {
    ReadOptions ro = new ReadOptions();
    Txn txn = new Txn(db, ro, ro::close);
    if (fresh && entryTimeNs != 0) {
      byte[] key = KeySchema.inode(KeySchema.ROOT_INO);
      InodeRecord root = InodeRecord.decode(KeySchema.ROOT_INO, txn.get(key));
      root.atimeNs = entryTimeNs;
      root.mtimeNs = entryTimeNs;
      root.ctimeNs = entryTimeNs;
      txn.put(key, root.encode());
    }
    return txn;
  }

  /** Writes the txn's changes and the applied term/index as one atomic batch. */
  public void commit(Txn txn, long term, long index) {
    try (WriteBatch b = new WriteBatch()) {
      txn.writeTo(b);
      b.put(KeySchema.APPLIED, ByteBuffer.allocate(16).putLong(term).putLong(index).array());
      db.write(writeOptions, b);
      fresh = false;
    } catch (RocksDBException e) {
      throw new StoreException("commit of entry " + index + " failed", e);
    }
  }

  /** The last applied {term, index}, or {0, -1} for a store no entry was applied to. */
  public long[] applied() {
    try {
      byte[] v = db.get(KeySchema.APPLIED);
      if (v == null) {
        return new long[] {0, -1};
      }
      ByteBuffer b = ByteBuffer.wrap(v);
      return new long[] {b.getLong(), b.getLong()};
    } catch (RocksDBException e) {
      throw new StoreException("read of applied index failed", e);
    }
  }

  /** A consistent copy of the database in {@code target} (hard links where possible), flushed. */
  public void checkpoint(Path target) throws IOException {
    try (Checkpoint cp = Checkpoint.create(db)) {
      cp.createCheckpoint(target.toString());
    } catch (RocksDBException e) {
      throw new IOException("checkpoint into " + target + " failed: " + e.getMessage(), e);
    }
  }

  /** A RocksDB integer property (rocksdb.estimate-num-keys...), or -1 when it has none. */
  public long longProperty(String name) {
    try {
      return db.getLongProperty(name);
    } catch (RocksDBException e) {
      return -1;
    }
  }

  public void flush() throws IOException {
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
      db.flush(fo);
    } catch (RocksDBException e) {
      throw new IOException("flush failed: " + e.getMessage(), e);
    }
  }

  /**
   * SHA-256 over every key and value except the applied index: equal on two replicas exactly when
   * they hold the same namespace.
   */
  public Digest digest() {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    long keys = 0;
    Snapshot snap = db.getSnapshot();
    try (ReadOptions ro = new ReadOptions().setSnapshot(snap);
        RocksIterator it = db.newIterator(ro)) {
      byte[] applied = KeySchema.APPLIED;
      long appliedIndex = -1;
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] k = it.key();
        if (Arrays.equals(k, applied)) {
          appliedIndex = ByteBuffer.wrap(it.value()).getLong(8);
          continue;
        }
        md.update(longBytes(k.length));
        md.update(k);
        byte[] v = it.value();
        md.update(longBytes(v.length));
        md.update(v);
        keys++;
      }
      return new Digest(md.digest(), appliedIndex, keys);
    } finally {
      db.releaseSnapshot(snap);
    }
  }

  /** A replica's digest at an applied index. */
  public record Digest(byte[] sha256, long appliedIndex, long keys) {}

  public static byte[] longBytes(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  @Override
  public void close() {
    writeOptions.close();
    db.close();
    options.close();
  }
}
