package io.hearth.fuse.kernel;

/**
 * A name's answer (struct fuse_entry_out): the node it names, and how long the kernel may trust the
 * name and the attributes without asking again. Every Entry handed to the kernel counts one lookup
 * of {@code nodeId}, which a later FORGET gives back. {@code nodeId} 0 is a negative entry: the
 * name does not exist, and the kernel may remember that for {@code entryValidNs}.
 *
 * @param generation with nodeId, unique over the file system's life (NFS export needs it)
 */
public record Entry(long nodeId, long generation, Attr attr, long entryValidNs, long attrValidNs) {
  public static Entry negative(long validNs) {
    return new Entry(0, 0, null, validNs, 0);
  }
}
