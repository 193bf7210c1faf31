package io.hearth.protocol;

/**
 * The extended-attribute namespaces Hearth keeps: {@code user.} and {@code trusted.}. Any other
 * name (security., system.) is EOPNOTSUPP, decided the same way on both sides of the wire, so a
 * client may answer it without asking: the kernel asks for security.capability before every write
 * to a FUSE file.
 */
public final class XattrNamespaces {
  public static final String USER = "user.";
  public static final String TRUSTED = "trusted.";

  private XattrNamespaces() {}

  public static boolean kept(String name) {
    return name.startsWith(USER) || name.startsWith(TRUSTED);
  }
}
