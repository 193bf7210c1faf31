package io.hearth.cli;

/** String operations on Hearth paths, which are '/'-separated and rooted at "/". */
final class PathNames {
  private PathNames() {}

  private static String trimSlashes(String p) {
    int end = p.length();
    while (end > 1 && p.charAt(end - 1) == '/') {
      end--;
    }
    return p.substring(0, end);
  }

  /** The last name of a path ("c" for "/a/b/c/"); "/" for the root. */
  static String basename(String p) {
    String t = trimSlashes(p);
    int slash = t.lastIndexOf('/');
    return slash < 0 || t.equals("/") ? t : t.substring(slash + 1);
  }

  /** The directory holding a path ("/a/b" for "/a/b/c"); "/" for a top-level name or the root. */
  static String parent(String p) {
    String t = trimSlashes(p);
    int slash = t.lastIndexOf('/');
    return slash <= 0 ? "/" : t.substring(0, slash);
  }

  static String child(String dir, String name) {
    return dir.endsWith("/") ? dir + name : dir + "/" + name;
  }

  /** True for "/", "//" and "": the root, which no command may remove or rename. */
  static boolean isRoot(String p) {
    return p.chars().allMatch(ch -> ch == '/');
  }
}
