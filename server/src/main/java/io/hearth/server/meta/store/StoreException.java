package io.hearth.server.meta.store;

/** RocksDB failed underneath the namespace: not an errno for the caller but a broken replica. */
public final class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
