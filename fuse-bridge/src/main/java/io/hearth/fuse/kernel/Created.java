package io.hearth.fuse.kernel;

/** CREATE's answer: the new entry and the open handle, in one reply. */
public record Created(Entry entry, Opened opened) {}
