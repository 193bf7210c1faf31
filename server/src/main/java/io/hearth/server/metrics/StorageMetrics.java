package io.hearth.server.metrics;

import io.hearth.protocol.data.DataStat;
import io.hearth.server.data.DataStateMachine;
import io.hearth.server.meta.MetaStateMachine;
import java.io.IOException;
import java.nio.file.FileStore;
import java.util.ArrayList;
import java.util.List;

/**
 * The storage families: each data group's blocks on this node (hearth_block*), the meta store's
 * RocksDB (hearth_rocksdb_*) and the data directory's file system (hearth_disk_*).
 */
final class StorageMetrics {
  /** A RocksDB property of the meta store and the family that shows it. */
  private record Rocks(String property, String family, String help) {}

  private static final List<Rocks> ROCKS =
      List.of(
          new Rocks(
              "rocksdb.total-sst-files-size",
              "hearth_rocksdb_sst_files_bytes",
              "size of all SST files of the namespace RocksDB, obsolete ones not yet deleted too"),
          new Rocks(
              "rocksdb.estimate-live-data-size",
              "hearth_rocksdb_live_data_bytes",
              "estimate of the namespace RocksDB's live data"),
          new Rocks(
              "rocksdb.estimate-num-keys",
              "hearth_rocksdb_keys",
              "estimate of the keys in the namespace RocksDB"),
          new Rocks(
              "rocksdb.cur-size-all-mem-tables",
              "hearth_rocksdb_memtable_bytes",
              "active and unflushed immutable memtables of the namespace RocksDB"),
          new Rocks(
              "rocksdb.size-all-mem-tables",
              "hearth_rocksdb_memtable_all_bytes",
              "all memtables of the namespace RocksDB, those pinned by iterators too"));

  private final FileStore disk;
  private final long reserveBytes;

  /**
   * @param disk the file system of the data directory
   * @param reserveBytes the configured data.reserve.bytes
   */
  StorageMetrics(FileStore disk, long reserveBytes) {
    this.disk = disk;
    this.reserveBytes = reserveBytes;
  }

  void write(PromText w, List<GroupState> groups) {
    writeBlocks(w, groups);
    writeRocks(w, groups);
    writeDisk(w);
  }

  private record Blocks(String group, DataStat stat) {}

  private static void writeBlocks(PromText w, List<GroupState> groups) {
    List<Blocks> stats = new ArrayList<>();
    for (GroupState g : groups) {
      if (g.stateMachine() instanceof DataStateMachine d) {
        DataStat s = d.localStat();
        if (s != null) {
          stats.add(new Blocks(g.name(), s));
        }
      }
    }
    w.family("hearth_blocks", PromText.Type.GAUGE, "committed blocks this replica holds");
    stats.forEach(b -> w.sample("hearth_blocks", b.stat.getBlocks(), "group", b.group));
    w.family(
        "hearth_block_bytes", PromText.Type.GAUGE, "bytes of the block files this replica holds");
    stats.forEach(b -> w.sample("hearth_block_bytes", b.stat.getBlockBytes(), "group", b.group));
    w.family(
        "hearth_blocks_missing",
        PromText.Type.GAUGE,
        "blocks committed in the group but absent or damaged on this replica, awaiting repair:"
            + " this node's under-replicated blocks");
    stats.forEach(
        b -> w.sample("hearth_blocks_missing", b.stat.getMissingBlocks(), "group", b.group));
  }

  private static void writeRocks(PromText w, List<GroupState> groups) {
    MetaStateMachine meta = null;
    String group = null;
    for (GroupState g : groups) {
      if (g.stateMachine() instanceof MetaStateMachine m) {
        meta = m;
        group = g.name();
      }
    }
    for (Rocks r : ROCKS) {
      w.family(r.family, PromText.Type.GAUGE, r.help);
      long v = meta == null ? -1 : meta.rocksProperty(r.property);
      if (v >= 0) {
        w.sample(r.family, v, "group", group);
      }
    }
  }

  private void writeDisk(PromText w) {
    w.gauge("hearth_disk_total_bytes", "size of the data directory's file system", space(false));
    w.gauge(
        "hearth_disk_usable_bytes",
        "free bytes of the data directory's file system that this process may use",
        space(true));
    w.gauge(
        "hearth_disk_reserve_bytes",
        "data.reserve.bytes: free space block writes leave alone (ENOSPC below it)",
        reserveBytes);
  }

  /** The disk's usable or total bytes, or -1 when the file system does not answer. */
  private long space(boolean usable) {
    try {
      return usable ? disk.getUsableSpace() : disk.getTotalSpace();
    } catch (IOException e) {
      return -1;
    }
  }
}
