package io.hearth.client;

/**
 * Where the client says that something a kernel (or any cache above the client) may hold is out of
 * date: a FUSE bridge registers one ({@link HearthClient#invalidateThrough}) and pushes each call
 * into the kernel (notify_inval_inode, notify_inval_entry, notify_delete), so that what changed
 * elsewhere is dropped at once instead of after its cache timeout.
 *
 * <p>Called from client threads (reply completions among them): an implementation must return at
 * once and never call back into the client.
 */
public interface CacheInvalidator {
  /** The inode's attributes and contents changed (another node wrote it). */
  void inode(long ino);

  /** The name in {@code parent} may name something else now, or nothing. */
  void entry(long parent, byte[] name);

  /** The name in {@code parent}, which named {@code child}, is gone. */
  void deleted(long parent, long child, byte[] name);

  CacheInvalidator NONE =
      new CacheInvalidator() {
        @Override
        public void inode(long ino) {}

        @Override
        public void entry(long parent, byte[] name) {}

        @Override
        public void deleted(long parent, long child, byte[] name) {}
      };
}
