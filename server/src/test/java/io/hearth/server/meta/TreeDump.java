package io.hearth.server.meta;

import static io.hearth.server.meta.TestFs.locAt;

import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.meta.Attr;
import io.hearth.protocol.meta.Loc;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A whole tree as text, path by path: type, mode, nlink, symlink target, xattrs, and which paths
 * share an inode (inodes are numbered in the order a sorted walk meets them, so Hearth's inode
 * numbers and the model's objects compare equal when the link structure is the same). Directories
 * also show which inode their ".." is. Also counts what the store should hold for it.
 */
record TreeDump(TreeMap<String, String> paths, int inodes, int entries, int xattrs) {
  /** Hearth's tree, read through a root caller with small readdir pages. */
  static TreeDump of(TestFs fs) throws HearthException {
    Builder<Long> b = new Builder<>(new TreeMap<>());
    Attr root = fs.stat(locAt(0, ""), false);
    hearthNode(fs, "/", root, b);
    return b.build();
  }

  private static void hearthNode(TestFs fs, String path, Attr a, Builder<Long> b)
      throws HearthException {
    Loc self = locAt(a.getIno(), "");
    boolean first = b.id(a.getIno());
    String target = FileMode.isSymlink(a.getMode()) ? fs.readlink(self) : null;
    TreeMap<String, byte[]> x = new TreeMap<>();
    for (String n : fs.listxattr(self)) {
      x.put(n, fs.getxattr(self, n));
    }
    Long up = FileMode.isDir(a.getMode()) ? fs.stat(locAt(a.getIno(), ".."), false).getIno() : null;
    b.put(path, first, a.getMode(), a.getNlink(), a.getIno(), up, target, x);
    if (first && FileMode.isDir(a.getMode())) {
      String prefix = path.equals("/") ? "/" : path + "/";
      List<String> names =
          fs.list(self, 7).stream().map(e -> e.getName().toStringUtf8()).sorted().toList();
      for (String name : names) {
        b.entries++;
        hearthNode(fs, prefix + name, fs.stat(locAt(a.getIno(), name), false), b);
      }
    }
  }

  /** The model's tree, walked the same way. */
  static TreeDump of(FsModel m) {
    Builder<FsModel.Node> b = new Builder<>(new IdentityHashMap<>());
    modelNode("/", m.root, b);
    return b.build();
  }

  private static void modelNode(String path, FsModel.Node n, Builder<FsModel.Node> b) {
    boolean first = b.id(n);
    b.put(path, first, n.mode, n.nlink, n, n.isDir() ? n.parent : null, n.target, n.xattrs);
    if (first && n.isDir()) {
      String prefix = path.equals("/") ? "/" : path + "/";
      for (Map.Entry<String, FsModel.Node> e : n.children.entrySet()) {
        b.entries++;
        modelNode(prefix + e.getKey(), e.getValue(), b);
      }
    }
  }

  /** Numbers inodes in the order they are met, and formats one path. */
  private static final class Builder<K> {
    final Map<K, Integer> ids;
    final TreeMap<String, String> paths = new TreeMap<>();
    int entries;
    int xattrs;

    Builder(Map<K, Integer> ids) {
      this.ids = ids;
    }

    /** Gives the inode its number; true the first time it is met. */
    boolean id(K inode) {
      return ids.putIfAbsent(inode, ids.size()) == null;
    }

    void put(
        String path,
        boolean first,
        int mode,
        int nlink,
        K inode,
        K up,
        String target,
        Map<String, byte[]> x) {
      if (first) {
        xattrs += x.size();
      }
      StringBuilder s = new StringBuilder();
      s.append(FileMode.typeChar(mode)).append(Integer.toOctalString(mode & 07777));
      s.append(" nlink=").append(nlink).append(" #").append(ids.get(inode));
      if (up != null) {
        s.append(" up=#").append(ids.get(up));
      }
      if (target != null) {
        s.append(" -> ").append(target);
      }
      x.forEach((k, v) -> s.append(' ').append(k).append('=').append(HexFormat.of().formatHex(v)));
      paths.put(path, s.toString());
    }

    TreeDump build() {
      return new TreeDump(paths, ids.size(), entries, xattrs);
    }
  }
}
