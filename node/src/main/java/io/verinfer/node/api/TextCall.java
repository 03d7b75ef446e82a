package io.verinfer.node.api;

import io.verinfer.protocol.text.TextRequest;
import io.verinfer.runtime.textgen.GenerationRequest;
import io.verinfer.runtime.textgen.SamplingParams;
import io.verinfer.runtime.textgen.TextModel;
import java.util.Objects;

/**
 * A checked text-generation request: the model, the prompt as token ids, how to sample, and how to
 * answer.
 *
 * @param asked the model name as the request gave it (echoed in {@code model})
 * @param seedChosen whether the node drew the seed (the request had none)
 */
public record TextCall(
    String asked,
    TextModel model,
    int[] promptTokens,
    SamplingParams params,
    boolean seedChosen,
    boolean stream,
    boolean includeUsage) {
  public TextCall {
    Objects.requireNonNull(asked, "asked");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(params, "params");
    promptTokens = promptTokens.clone();
  }

  @Override
  public int[] promptTokens() {
    return promptTokens.clone();
  }

  public int promptLength() {
    return promptTokens.length;
  }

  public GenerationRequest generation() {
    return new GenerationRequest(promptTokens, params);
  }

  /** The commitment a receipt's {@code inputHash} covers. */
  public TextRequest commitment() {
    return new TextRequest(
        promptTokens,
        params.temperature(),
        params.topP(),
        params.seed(),
        params.maxTokens(),
        params.stop());
  }
}
