package io.hearth.client;

/**
 * One directory entry. {@code type} holds the S_IFMT bits; {@code stat} is set when the listing
 * asked for attributes (readdirplus). Pass {@code cookie} back to continue a listing after it.
 */
public record DirEntry(String name, long ino, int type, long cookie, Stat stat) {}
