package io.verinfer.protocol;

/** RFC 4648 base32, lower-case alphabet, no padding, as multibase 'b' uses it. */
final class Base32 {
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

  private Base32() {}

  static String encode(byte[] data) {
    StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        out.append(ALPHABET.charAt((buffer >>> (bits - 5)) & 31));
        bits -= 5;
      }
    }
    if (bits > 0) {
      out.append(ALPHABET.charAt((buffer << (5 - bits)) & 31));
    }
    return out.toString();
  }

  /**
   * Decodes strictly: only the lower-case alphabet, no padding, and the unused trailing bits must
   * be zero, so every byte string has exactly one accepted encoding.
   */
  static byte[] decode(String text, String what) {
    byte[] out = new byte[text.length() * 5 / 8];
    int n = 0;
    int buffer = 0;
    int bits = 0;
    for (int i = 0; i < text.length(); i++) {
      int v = ALPHABET.indexOf(text.charAt(i));
      if (v < 0) {
        throw new IllegalArgumentException(
            what
                + " has character '"
                + text.charAt(i)
                + "' at base32 position "
                + i
                + "; only a-z and 2-7 are allowed");
      }
      buffer = (buffer << 5) | v;
      bits += 5;
      if (bits >= 8) {
        out[n++] = (byte) (buffer >>> (bits - 8));
        bits -= 8;
      }
    }
    int leftover = text.length() * 5 % 8;
    if (leftover >= 5 || (buffer & ((1 << bits) - 1)) != 0) {
      throw new IllegalArgumentException(
          what + " is not canonical base32 (bad length or padding bits)");
    }
    return out;
  }
}
