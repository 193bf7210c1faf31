package io.hearth.server.data;

import io.hearth.protocol.Errno;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.data.BlockInfo;
import io.hearth.protocol.data.BlockInfos;
import io.hearth.protocol.data.DataStat;
import io.hearth.protocol.data.PutBlock;
import io.hearth.protocol.data.RawBlock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One data group's blocks on this node's disk.
 *
 * <pre>
 *   tmp/&lt;stream key&gt;   a block being streamed in, or streamed but not yet committed
 *   blk/&lt;xx&gt;/&lt;id&gt;      a committed block (xx = the id's low byte in hex): header + data
 *   missing/&lt;id&gt;       committed by the group but absent or corrupt here, awaiting repair
 * </pre>
 *
 * <p>Guarantees: a block file under blk/ is complete (it was verified against its CRCs when it
 * arrived and fsync'd before the group committed it); committing is a rename, so a crash leaves a
 * block under exactly one of its two names and replaying the commit finds it. Blocks are never
 * modified, only created, deleted or replaced by an identical verified copy.
 *
 * <p>Threads: the apply thread commits and deletes; Ratis stream threads create writers; readers
 * and the repairer run concurrently with both. The in-memory index (id -> length) is a concurrent
 * map rebuilt from the directory at start.
 */
final class BlockStore {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BlockStore.class);
  private final Path tmp;
  private final Path blk;
  private final Path missingDir;
  private final FileStore fs;
  private final long reserveBytes;
  private final Clock clock;
  private final NavigableMap<Long, Integer> blocks = new ConcurrentSkipListMap<>();
  private final Set<Long> missing = ConcurrentHashMap.newKeySet();
  private final AtomicLong blockBytes = new AtomicLong();
  private final AtomicLong inFlightBytes = new AtomicLong();
  private final StagingBuffers staging = new StagingBuffers();

  /**
   * @param reserveBytes free space kept back on the disk: a block that would eat into it is refused
   * @param clock the commit time of a repaired copy whose source did not say when it was committed
   */
  BlockStore(Path dir, long reserveBytes, Clock clock) throws IOException {
    this.tmp = Files.createDirectories(dir.resolve("tmp"));
    this.blk = Files.createDirectories(dir.resolve("blk"));
    this.missingDir = Files.createDirectories(dir.resolve("missing"));
    this.fs = Files.getFileStore(dir);
    this.reserveBytes = reserveBytes;
    this.clock = clock;
    load();
  }

  private void load() throws IOException {
    try (DirectoryStream<Path> shards = Files.newDirectoryStream(blk)) {
      for (Path shard : shards) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(shard)) {
          for (Path f : files) {
            long id = Long.parseUnsignedLong(f.getFileName().toString(), 16);
            long size = Files.size(f);
            blocks.put(id, (int) size);
            blockBytes.addAndGet(size);
          }
        }
      }
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(missingDir)) {
      for (Path f : files) {
        missing.add(Long.parseUnsignedLong(f.getFileName().toString(), 16));
      }
    }
  }

  /** Starts receiving a streamed block, refusing it when the disk is too full to keep it. */
  BlockWriter create(String streamKey, PutBlock header) throws IOException {
    BlockFile.check(header);
    long need = BlockFile.headerBytes(header) + (long) header.getLength();
    long avail = fs.getUsableSpace() - reserveBytes - inFlightBytes.addAndGet(need);
    if (avail < 0) {
      inFlightBytes.addAndGet(-need);
      throw new HearthException(
          Errno.ENOSPC,
          "data disk " + fs + " is full: less than the reserve of " + reserveBytes + " bytes free");
    }
    try {
      return new BlockWriter(
          tmp.resolve(streamKey), header, staging, () -> inFlightBytes.addAndGet(-need));
    } catch (IOException e) {
      inFlightBytes.addAndGet(-need);
      throw e;
    }
  }

  /**
   * Commits the block streamed under {@code streamKey} as {@code id}. Idempotent: replaying the
   * commit after a crash finds the block under either name. If this replica never received the
   * bytes (it was down, or the client routed around it) the block is recorded as missing, to be
   * repaired from another replica.
   *
   * @return the block's length, or -1 when it is missing here
   */
  synchronized int commit(String streamKey, long id, long timeNs, PutBlock header)
      throws IOException {
    Path dst = blockPath(id);
    Path src = tmp.resolve(streamKey);
    if (!blocks.containsKey(id)) {
      if (Files.exists(src)) {
        Files.createDirectories(dst.getParent());
        Files.setLastModifiedTime(src, FileTime.from(timeNs, TimeUnit.NANOSECONDS));
        move(src, dst);
        added(id, Files.size(dst));
      } else if (Files.exists(dst)) {
        added(id, Files.size(dst));
      } else {
        markMissing(id, header, timeNs);
        return -1;
      }
    }
    return header.getLength();
  }

  private static void move(Path src, Path dst) throws IOException {
    try {
      Files.move(src, dst, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("block directory does not support atomic rename: " + dst, e);
    }
  }

  private void added(long id, long size) {
    if (blocks.put(id, (int) size) == null) {
      blockBytes.addAndGet(size);
    }
  }

  private void markMissing(long id, PutBlock header, long timeNs) throws IOException {
    Path marker = missingDir.resolve(Long.toHexString(id));
    Files.write(
        marker,
        RawBlock.newBuilder().setHeader(header).setCommittedNs(timeNs).build().toByteArray());
    missing.add(id);
  }

  /** Deletes a committed block (GC). Returns whether it was there. */
  synchronized boolean delete(long id) throws IOException {
    Integer size = blocks.remove(id);
    if (size != null) {
      blockBytes.addAndGet(-size);
    }
    boolean wasMissing = missing.remove(id);
    Files.deleteIfExists(missingDir.resolve(Long.toHexString(id)));
    return Files.deleteIfExists(blockPath(id)) || size != null || wasMissing;
  }

  /**
   * Reads verified bytes of a committed block.
   *
   * @throws HearthException ENOENT if this replica lacks it (missing or never committed), EIO if
   *     its copy is corrupt; a corrupt copy is moved to missing/ for repair
   */
  ByteBuffer read(long id, int off, int len) throws IOException {
    if (off < 0 || len <= 0) {
      throw new HearthException(Errno.EINVAL, "read of " + len + " bytes at " + off);
    }
    try (FileChannel ch = openCommitted(id)) {
      PutBlock h = BlockFile.readHeader(ch);
      if ((long) off + len > h.getLength()) {
        throw new HearthException(
            Errno.EINVAL, "read [" + off + ", +" + len + ") beyond block of " + h.getLength());
      }
      return BlockFile.readVerified(ch, h, off, len);
    } catch (HearthException e) {
      if (e.errno() == Errno.EIO) {
        quarantine(id);
      }
      throw e;
    }
  }

  /** The whole block with its header and commit time, verified, for a peer's repair. */
  RawBlock readRaw(long id) throws IOException {
    try (FileChannel ch = openCommitted(id)) {
      PutBlock h = BlockFile.readHeader(ch);
      ByteBuffer data = BlockFile.readVerified(ch, h, 0, h.getLength());
      long t = Files.getLastModifiedTime(blockPath(id)).to(TimeUnit.NANOSECONDS);
      return RawBlock.newBuilder()
          .setHeader(h)
          .setData(com.google.protobuf.ByteString.copyFrom(data))
          .setCommittedNs(t)
          .build();
    } catch (HearthException e) {
      if (e.errno() == Errno.EIO) {
        quarantine(id);
      }
      throw e;
    }
  }

  private FileChannel openCommitted(long id) throws IOException {
    if (!blocks.containsKey(id)) {
      throw new HearthException(
          Errno.ENOENT,
          "block " + id + (missing.contains(id) ? " awaits repair on this replica" : " not here"));
    }
    try {
      return FileChannel.open(blockPath(id), StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      quarantine(id);
      throw new HearthException(Errno.ENOENT, "block " + id + " vanished from disk");
    }
  }

  /** A bad copy: keep its header (if readable) in missing/ and drop the file, for repair. */
  private void quarantine(long id) {
    Integer size = blocks.remove(id);
    if (size == null) {
      return;
    }
    LOG.warn("block {} in {} is damaged or gone; moved aside for repair", id, blk);
    blockBytes.addAndGet(-size);
    try {
      Files.write(missingDir.resolve(Long.toHexString(id)), new byte[0]);
      missing.add(id);
      Files.deleteIfExists(blockPath(id));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Installs a verified copy fetched from a peer in place of a missing one. The copy is checked
   * against its own header CRCs and, when this replica kept the committed header, against that.
   *
   * @return whether the copy was installed; false when the block is no longer missing (deleted by
   *     GC or repaired meanwhile)
   */
  boolean repair(long id, RawBlock raw) throws IOException {
    if (!missing.contains(id)) {
      return false;
    }
    PutBlock h = raw.getHeader();
    BlockFile.check(h);
    RawBlock expected = expectedOf(id);
    if (expected != null && !expected.getHeader().equals(h)) {
      throw new HearthException(
          Errno.EIO, "peer's block " + id + " differs from the committed one");
    }
    ByteBuffer data = raw.getData().asReadOnlyByteBuffer();
    if (data.remaining() != h.getLength()) {
      throw new HearthException(Errno.EIO, "peer sent " + data.remaining() + " bytes");
    }
    String key = "repair-" + Long.toHexString(id);
    Files.deleteIfExists(tmp.resolve(key));
    BlockWriter w = create(key, h);
    try {
      w.write(data);
      w.force(false);
      w.close();
    } catch (IOException e) {
      w.abort();
      throw e;
    }
    long t = raw.getCommittedNs() != 0 ? raw.getCommittedNs() : clock.millis() * 1_000_000;
    synchronized (this) {
      if (!missing.remove(id)) {
        Files.deleteIfExists(tmp.resolve(key));
        return false;
      }
      commit(key, id, t, h);
      Files.deleteIfExists(missingDir.resolve(Long.toHexString(id)));
      return true;
    }
  }

  private RawBlock expectedOf(long id) throws IOException {
    Path marker = missingDir.resolve(Long.toHexString(id));
    try {
      byte[] b = Files.readAllBytes(marker);
      return b.length == 0 ? null : RawBlock.parseFrom(b);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /**
   * Records a block this replica should hold but does not (known only by id).
   *
   * @return whether it was neither held nor known to be missing before
   */
  synchronized boolean expectMissing(long id) throws IOException {
    if (!blocks.containsKey(id) && missing.add(id)) {
      Files.write(missingDir.resolve(Long.toHexString(id)), new byte[0]);
      return true;
    }
    return false;
  }

  boolean isMissing(long id) {
    return missing.contains(id);
  }

  int missingCount() {
    return missing.size();
  }

  /** Missing ids above {@code after}, in order, at most {@code max}; {@code more} if there are. */
  BlockInfos missingList(long after, int max) {
    List<Long> ids = missing.stream().filter(id -> id > after).sorted().toList();
    BlockInfos.Builder out = BlockInfos.newBuilder().setMore(ids.size() > max);
    for (long id : ids.subList(0, Math.min(max, ids.size()))) {
      out.addBlocks(BlockInfo.newBuilder().setId(id));
    }
    return out.build();
  }

  Set<Long> missing() {
    return new TreeSet<>(missing);
  }

  BlockInfos list(long after, int max) throws IOException {
    BlockInfos.Builder b = BlockInfos.newBuilder();
    for (var e : blocks.tailMap(after, false).entrySet()) {
      if (b.getBlocksCount() == max) {
        return b.setMore(true).build();
      }
      long t;
      try {
        t = Files.getLastModifiedTime(blockPath(e.getKey())).to(TimeUnit.NANOSECONDS);
      } catch (NoSuchFileException gone) {
        continue;
      }
      b.addBlocks(
          BlockInfo.newBuilder().setId(e.getKey()).setLength(e.getValue()).setCommittedNs(t));
    }
    return b.build();
  }

  /** All committed and missing ids: what this replica must hold at its applied index. */
  List<Long> manifest() {
    List<Long> ids = new ArrayList<>(blocks.keySet());
    ids.addAll(missing);
    ids.sort(null);
    return ids;
  }

  DataStat stat() throws IOException {
    return DataStat.newBuilder()
        .setTotalBytes(fs.getTotalSpace())
        .setFreeBytes(fs.getUnallocatedSpace())
        .setAvailableBytes(Math.max(0, fs.getUsableSpace() - reserveBytes))
        .setBlockBytes(blockBytes.get())
        .setBlocks(blocks.size())
        .setMissingBlocks(missing.size())
        .build();
  }

  /** Deletes temporary files older than {@code ageMs}: streams that were never committed. */
  int sweepTmp(long nowMs, long ageMs) throws IOException {
    int n = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(tmp)) {
      for (Path f : files) {
        try {
          if (nowMs - Files.getLastModifiedTime(f).toMillis() > ageMs) {
            Files.deleteIfExists(f);
            n++;
          }
        } catch (NoSuchFileException ignored) {
          // committed meanwhile
        }
      }
    }
    return n;
  }

  /** Makes every commit and delete so far durable (before a snapshot says they happened). */
  void sync() throws IOException {
    try (DirectoryStream<Path> shards = Files.newDirectoryStream(blk)) {
      for (Path shard : shards) {
        fsyncDir(shard);
      }
    }
    fsyncDir(blk);
    fsyncDir(tmp);
    fsyncDir(missingDir);
  }

  private Path blockPath(long id) {
    return blk.resolve(String.format("%02x", id & 0xff)).resolve(Long.toHexString(id));
  }

  /** Path of a committed block's file, for tests that damage it. */
  Path fileOf(long id) {
    return blockPath(id);
  }

  static void fsyncDir(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
