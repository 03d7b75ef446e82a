package io.verinfer.runtime.textgen;

import java.util.Objects;

/**
 * What one decoding step (or a few, when text was held back) added: the token ids sampled and the
 * text released for them. {@code text} may be empty while a possible stop sequence or an incomplete
 * UTF-8 character is held back; it is released with a later chunk or dropped when the stop sequence
 * completes. Every sampled token appears in exactly one chunk, in order.
 *
 * @param index 0 for the first chunk of a generation, then 1, 2, …
 * @param tokens the token ids, at least one
 * @param text the text released with this chunk
 */
public record GeneratedChunk(int index, int[] tokens, String text) {
  public GeneratedChunk {
    if (index < 0) {
      throw new IllegalArgumentException("index must be >= 0");
    }
    Objects.requireNonNull(tokens, "tokens");
    Objects.requireNonNull(text, "text");
    tokens = tokens.clone();
  }

  @Override
  public int[] tokens() {
    return tokens.clone();
  }

  public int tokenCount() {
    return tokens.length;
  }
}
