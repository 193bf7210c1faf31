package io.hearth.client;

import java.util.List;

/** One page of a directory listing; {@code eof} when no entry follows the last one. */
public record DirPage(List<DirEntry> entries, boolean eof) {
  /** The cookie to continue after this page, or the given one for an empty page. */
  public long nextCookie(long previous) {
    return entries.isEmpty() ? previous : entries.get(entries.size() - 1).cookie();
  }
}
