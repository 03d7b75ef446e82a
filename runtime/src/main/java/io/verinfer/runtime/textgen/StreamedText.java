package io.verinfer.runtime.textgen;

import java.util.List;

/**
 * Decides how much of a completion's text may be released while it is still being generated. It is
 * fed the whole completion decoded so far after every token (incremental detokenization: decode
 * everything, release the stable new suffix) and holds back
 *
 * <ul>
 *   <li>trailing U+FFFD replacement characters: a byte-level token may end inside a UTF-8
 *       character, which decodes as U+FFFD until the next token completes it;
 *   <li>the longest tail that is a proper prefix of a stop sequence, which may still become one.
 * </ul>
 *
 * When a stop sequence appears, the text is cut before its first occurrence and nothing after is
 * released. Released text is never taken back, so the chunks' texts concatenate to {@link #text()}.
 * Not thread-safe: one per generation.
 */
final class StreamedText {
  private static final char REPLACEMENT = '\uFFFD';

  /** What one {@link #advance} released, and whether a stop sequence completed. */
  record Release(String text, boolean stopped) {}

  private final List<String> stops;
  private final StringBuilder released = new StringBuilder();
  private boolean stopped;

  StreamedText(List<String> stops) {
    this.stops = List.copyOf(stops);
  }

  /** Releases what is stable in {@code decoded}, the whole completion decoded so far. */
  Release advance(String decoded) {
    return release(decoded, false);
  }

  /**
   * The generation ended (end token, length or a sink that stopped): releases everything left,
   * incomplete characters included, still cut at a stop sequence.
   */
  Release finish(String decoded) {
    return release(decoded, true);
  }

  /** The text released so far. */
  String text() {
    return released.toString();
  }

  boolean stopped() {
    return stopped;
  }

  private Release release(String decoded, boolean last) {
    if (stopped) {
      return new Release("", true);
    }
    String stable = last ? decoded : withoutTrailingReplacements(decoded);
    int from = released.length();
    if (!stable.startsWith(released.toString())) {
      // A decoder that rewrote text it produced before (not byte-level BPE): keep what was
      // released, and wait for the text to agree with it again.
      return new Release("", false);
    }
    int stopAt = firstStop(stable, Math.max(0, from - longestStop() + 1));
    if (stopAt >= 0) {
      stopped = true;
      return append(stable.substring(from, Math.max(from, stopAt)), true);
    }
    int end = last ? stable.length() : stable.length() - heldBackTail(stable);
    return append(stable.substring(from, Math.max(from, end)), false);
  }

  private Release append(String piece, boolean stop) {
    released.append(piece);
    return new Release(piece, stop);
  }

  /** Index of the earliest stop sequence occurrence in {@code text} at or after {@code from}. */
  private int firstStop(String text, int from) {
    int best = -1;
    for (String stop : stops) {
      int i = text.indexOf(stop, from);
      if (i >= 0 && (best < 0 || i < best)) {
        best = i;
      }
    }
    return best;
  }

  /** The length of the longest tail of {@code text} that is a proper prefix of a stop sequence. */
  private int heldBackTail(String text) {
    int hold = 0;
    for (String stop : stops) {
      for (int k = Math.min(stop.length() - 1, text.length()); k > hold; k--) {
        if (text.regionMatches(text.length() - k, stop, 0, k)) {
          hold = k;
          break;
        }
      }
    }
    return hold;
  }

  private int longestStop() {
    int n = 0;
    for (String s : stops) {
      n = Math.max(n, s.length());
    }
    return n;
  }

  private static String withoutTrailingReplacements(String s) {
    int end = s.length();
    while (end > 0 && s.charAt(end - 1) == REPLACEMENT) {
      end--;
    }
    return s.substring(0, end);
  }
}
