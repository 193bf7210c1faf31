package io.hearth.fuse.kernel;

/**
 * Where readdir puts entries: the reply buffer of one READDIR or READDIRPLUS. Each {@code add}
 * returns false, adding nothing, once the entry does not fit; the file system stops there and the
 * kernel asks again from the last {@code nextOffset} that fit.
 */
public interface DirSink {
  /** True for READDIRPLUS: use {@link #addPlus}, which also hands the kernel an entry. */
  boolean plus();

  /**
   * A READDIR record.
   *
   * @param type the S_IFMT bits of the mode (only the type counts)
   * @param nextOffset the offset to resume after this entry (never 0)
   */
  boolean add(byte[] name, long ino, int type, long nextOffset);

  /**
   * A READDIRPLUS record. When it returns true and {@code entry.nodeId()} is not 0, the kernel
   * counts one lookup of the node, as after LOOKUP (except for "." and "..", which must be sent
   * with nodeId 0).
   */
  boolean addPlus(byte[] name, Entry entry, long nextOffset);
}
