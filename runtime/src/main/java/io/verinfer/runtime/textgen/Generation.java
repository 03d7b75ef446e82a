package io.verinfer.runtime.textgen;

import java.util.Objects;

/**
 * A finished generation: every completion token sampled (the end-of-sequence token included, when
 * the model produced it: it was computed and is billed, though it has no text), the text released
 * and why it ended.
 */
public record Generation(
    int promptTokens, int[] completionTokens, String text, FinishReason finishReason) {
  public Generation {
    Objects.requireNonNull(completionTokens, "completionTokens");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(finishReason, "finishReason");
    completionTokens = completionTokens.clone();
  }

  @Override
  public int[] completionTokens() {
    return completionTokens.clone();
  }

  public int completionTokenCount() {
    return completionTokens.length;
  }
}
