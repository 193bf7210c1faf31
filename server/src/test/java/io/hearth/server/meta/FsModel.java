package io.hearth.server.meta;

import io.hearth.protocol.Errno;
import io.hearth.protocol.FileMode;
import io.hearth.protocol.HearthException;
import io.hearth.protocol.Limits;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * The namespace as plain objects, for the model-based test: what Hearth should do, as root, for the
 * operations that change the tree. Each method either changes the model and returns, or throws the
 * errno Hearth must answer (and changes nothing). Errors are checked in Linux's order.
 */
final class FsModel {
  static final class Node {
    final int type;
    int mode;
    int nlink;
    Node parent; // directories only
    String target; // symlinks only
    final TreeMap<String, Node> children = new TreeMap<>();
    final TreeMap<String, byte[]> xattrs = new TreeMap<>();

    Node(int mode) {
      this.type = FileMode.type(mode);
      this.mode = mode;
      this.nlink = isDir() ? 2 : 1;
    }

    boolean isDir() {
      return type == FileMode.S_IFDIR;
    }
  }

  /** Where a path ends: parent and name are null for the base itself, node null when absent. */
  record Res(Node parent, String name, Node node) {
    Node existing() throws HearthException {
      return must(node, Errno.ENOENT);
    }

    boolean isDot() {
      return ".".equals(name) || "..".equals(name);
    }
  }

  final Node root = new Node(FileMode.S_IFDIR | 0755);

  FsModel() {
    root.parent = root;
  }

  Res resolve(List<String> names, boolean followLast) throws HearthException {
    return walk(root, names, followLast, new int[] {0});
  }

  private Res walk(Node dir, List<String> names, boolean followLast, int[] follows)
      throws HearthException {
    if (names.isEmpty()) {
      return new Res(null, null, dir);
    }
    Node cur = dir;
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      boolean last = i == names.size() - 1;
      fail(!cur.isDir(), Errno.ENOTDIR);
      Node next = name.equals(".") ? cur : name.equals("..") ? cur.parent : cur.children.get(name);
      if (next != null && next.type == FileMode.S_IFLNK && (!last || followLast)) {
        fail(++follows[0] > Limits.SYMLINK_FOLLOW_MAX, Errno.ELOOP);
        Node from = next.target.startsWith("/") ? root : cur;
        List<String> t = Arrays.stream(next.target.split("/")).filter(s -> !s.isEmpty()).toList();
        Res r = walk(from, t, true, follows);
        if (last) {
          return r;
        }
        next = r.existing();
      }
      if (last) {
        return new Res(cur, name, next);
      }
      cur = must(next, Errno.ENOENT);
    }
    throw new IllegalStateException();
  }

  private Res newName(List<String> path) throws HearthException {
    fail(path.isEmpty(), Errno.EEXIST);
    Res r = resolve(path, false);
    fail(r.node != null || r.isDot(), Errno.EEXIST);
    return r;
  }

  private Node add(Res r, Node n) {
    if ((r.parent.mode & FileMode.S_ISGID) != 0 && n.isDir()) {
      n.mode |= FileMode.S_ISGID;
    }
    r.parent.children.put(r.name, n);
    if (n.isDir()) {
      n.parent = r.parent;
      r.parent.nlink++;
    }
    return n;
  }

  void mkdir(List<String> path, int mode) throws HearthException {
    add(newName(path), new Node(FileMode.S_IFDIR | (mode & 07777)));
  }

  void create(List<String> path, int mode) throws HearthException {
    add(newName(path), new Node(FileMode.S_IFREG | (mode & 07777)));
  }

  void symlink(String target, List<String> path) throws HearthException {
    add(newName(path), new Node(FileMode.S_IFLNK | 0777)).target = target;
  }

  void link(List<String> target, List<String> path) throws HearthException {
    Node n = resolve(target, false).existing();
    Res r = newName(path);
    fail(n.isDir(), Errno.EPERM);
    r.parent.children.put(r.name, n);
    n.nlink++;
  }

  void unlink(List<String> path) throws HearthException {
    fail(path.isEmpty(), Errno.EISDIR);
    Res r = resolve(path, false);
    fail(r.isDot(), Errno.EISDIR);
    Node n = r.existing();
    fail(n.isDir(), Errno.EISDIR);
    r.parent.children.remove(r.name);
    n.nlink--;
  }

  void rmdir(List<String> path) throws HearthException {
    fail(path.isEmpty(), Errno.EBUSY);
    Res r = resolve(path, false);
    fail(".".equals(r.name), Errno.EINVAL);
    fail("..".equals(r.name), Errno.ENOTEMPTY);
    Node n = r.existing();
    fail(!n.isDir(), Errno.ENOTDIR);
    fail(!n.children.isEmpty(), Errno.ENOTEMPTY);
    r.parent.children.remove(r.name);
    r.parent.nlink--;
  }

  void rename(List<String> from, List<String> to, int flags) throws HearthException {
    fail((flags & ~3) != 0 || flags == 3, Errno.EINVAL);
    boolean noReplace = flags == 1;
    boolean exchange = flags == 2;
    fail(from.isEmpty(), Errno.EBUSY);
    Res f = resolve(from, false);
    fail(to.isEmpty(), noReplace ? Errno.EEXIST : Errno.EBUSY);
    Res t = resolve(to, false);
    fail(f.isDot(), Errno.EBUSY);
    fail(t.isDot(), noReplace ? Errno.EEXIST : Errno.EBUSY);
    Node src = f.existing();
    Node dst = t.node;
    fail(noReplace && dst != null, Errno.EEXIST);
    fail(exchange && dst == null, Errno.ENOENT);
    if (f.parent != t.parent) {
      fail(isAncestorOrSelf(src, t.parent), Errno.EINVAL);
      fail(
          dst != null && isAncestorOrSelf(dst, f.parent),
          exchange ? Errno.EINVAL : Errno.ENOTEMPTY);
    }
    if (dst == src) {
      return;
    }
    if (dst != null && !exchange) {
      fail(src.isDir() && !dst.isDir(), Errno.ENOTDIR);
      fail(!src.isDir() && dst.isDir(), Errno.EISDIR);
      fail(dst.isDir() && !dst.children.isEmpty(), Errno.ENOTEMPTY);
    }
    if (exchange) {
      f.parent.children.put(f.name, dst);
      t.parent.children.put(t.name, src);
      reparent(dst, f.parent);
      reparent(src, t.parent);
      return;
    }
    f.parent.children.remove(f.name);
    if (dst != null) {
      dst.nlink--;
      if (dst.isDir()) {
        t.parent.nlink--;
      }
    }
    t.parent.children.put(t.name, src);
    reparent(src, t.parent);
  }

  private static void reparent(Node n, Node to) {
    if (n.isDir() && n.parent != to) {
      n.parent.nlink--;
      to.nlink++;
      n.parent = to;
    }
  }

  private boolean isAncestorOrSelf(Node a, Node d) {
    for (Node x = d; ; x = x.parent) {
      if (x == a) {
        return true;
      }
      if (x == root) {
        return false;
      }
    }
  }

  void chmod(List<String> path, int mode) throws HearthException {
    Node n = resolve(path, true).existing();
    n.mode = n.type | (mode & 07777);
  }

  void setxattr(List<String> path, String name, byte[] value, int flags) throws HearthException {
    Node n = resolve(path, true).existing();
    fail(name.startsWith("user.") && !n.isDir() && n.type != FileMode.S_IFREG, Errno.EPERM);
    fail(flags == 1 && n.xattrs.containsKey(name), Errno.EEXIST);
    fail(flags == 2 && !n.xattrs.containsKey(name), Errno.ENODATA);
    n.xattrs.put(name, value);
  }

  void removexattr(List<String> path, String name) throws HearthException {
    Node n = resolve(path, true).existing();
    fail(name.startsWith("user.") && !n.isDir() && n.type != FileMode.S_IFREG, Errno.EPERM);
    fail(!n.xattrs.containsKey(name), Errno.ENODATA);
    n.xattrs.remove(name);
  }

  private static void fail(boolean cond, Errno e) throws HearthException {
    if (cond) {
      throw new HearthException(e, "model");
    }
  }

  private static Node must(Node n, Errno e) throws HearthException {
    fail(n == null, e);
    return n;
  }
}
