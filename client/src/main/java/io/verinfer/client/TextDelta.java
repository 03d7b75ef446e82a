package io.verinfer.client;

import java.util.Objects;

/**
 * A piece of a streamed completion as it arrived: its text and the token ids the provider says it
 * decoded it from (what its checkpoints commit to).
 */
public record TextDelta(String text, int[] tokens) {
  public TextDelta {
    Objects.requireNonNull(text, "text must not be null");
    tokens = Objects.requireNonNull(tokens, "tokens must not be null").clone();
  }

  @Override
  public int[] tokens() {
    return tokens.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TextDelta d
        && text.equals(d.text)
        && java.util.Arrays.equals(tokens, d.tokens);
  }

  @Override
  public int hashCode() {
    return 31 * text.hashCode() + java.util.Arrays.hashCode(tokens);
  }

  @Override
  public String toString() {
    return "TextDelta[" + text + ", " + tokens.length + " tokens]";
  }
}
