package io.verinfer.runtime.textgen;

import io.verinfer.protocol.text.ContractPrompt;
import io.verinfer.protocol.text.TextOutput;
import io.verinfer.protocol.text.TextRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The two ways a text model runs outside an HTTP stream, shared by the node's dispute duty and its
 * on-chain request watcher so that both run a request exactly as the endpoints do.
 */
public final class TextRuns {
  private TextRuns() {}

  /**
   * Re-runs a committed text request to its end ({@code maxTokens}, the end token, a stop sequence
   * or a full context): what a committee member compares a claimed {@link TextOutput} with.
   *
   * @throws io.verinfer.protocol.VerinferException when the model refuses the request (a token
   *     outside the vocabulary, prompt plus maxTokens beyond the context)
   */
  public static TextOutput rerun(TextGenerator generator, String model, TextRequest request) {
    SamplingParams params =
        new SamplingParams(
            request.temperature(),
            request.topP(),
            request.seed(),
            request.maxTokens(),
            request.stop());
    Generation g =
        generator.generate(
            model, new GenerationRequest(request.promptTokens(), params), GenerationSink.DISCARD);
    return new TextOutput(end(g.finishReason()), g.completionTokens());
  }

  /**
   * A contract's completion: the message as one user turn in the model's chat template, greedy, at
   * most {@code maxTokens}; the reply's UTF-8 bytes, what the callback receives.
   */
  public static byte[] complete(TextGenerator generator, String model, ContractPrompt prompt) {
    String text = generator.renderChat(model, List.of(new ChatMessage("user", prompt.message())));
    int[] tokens = generator.encode(model, text);
    Generation g =
        generator.generate(
            model,
            new GenerationRequest(tokens, SamplingParams.greedy(prompt.maxTokens())),
            GenerationSink.DISCARD);
    return g.text().getBytes(StandardCharsets.UTF_8);
  }

  /** The committed end of a generation that ended for {@code reason}. */
  public static TextOutput.End end(FinishReason reason) {
    return switch (reason) {
      case STOP -> TextOutput.End.STOP;
      case LENGTH -> TextOutput.End.LENGTH;
      case CANCELLED -> TextOutput.End.CANCELLED;
    };
  }
}
