package io.verinfer.protocol;

/**
 * Character checks for the hot parsing paths (headers, addresses), where a regex costs too much.
 */
final class Hex {
  private Hex() {}

  /** Whether every character of {@code s} from {@code from} on is a digit in {@code radix}. */
  static boolean allDigits(String s, int from, int radix) {
    for (int i = from; i < s.length(); i++) {
      if (Character.digit(s.charAt(i), radix) < 0 || s.charAt(i) > 'z') {
        return false;
      }
    }
    return from < s.length();
  }
}
