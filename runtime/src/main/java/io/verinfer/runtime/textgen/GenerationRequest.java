package io.verinfer.runtime.textgen;

import java.util.Objects;

/** A prompt, already tokenized with the model's tokenizer, and how to continue it. */
public record GenerationRequest(int[] promptTokens, SamplingParams params) {
  public GenerationRequest {
    Objects.requireNonNull(promptTokens, "promptTokens");
    Objects.requireNonNull(params, "params");
    if (promptTokens.length == 0) {
      throw new IllegalArgumentException("the prompt must have at least one token");
    }
    promptTokens = promptTokens.clone();
  }

  @Override
  public int[] promptTokens() {
    return promptTokens.clone();
  }

  public int promptLength() {
    return promptTokens.length;
  }
}
