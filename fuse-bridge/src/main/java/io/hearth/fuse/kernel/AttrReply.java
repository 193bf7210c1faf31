package io.hearth.fuse.kernel;

/** Attributes and how long the kernel may cache them (struct fuse_attr_out). */
public record AttrReply(Attr attr, long validNs) {}
