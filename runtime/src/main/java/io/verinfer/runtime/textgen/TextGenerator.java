package io.verinfer.runtime.textgen;

import java.util.List;
import java.util.Optional;

/**
 * Runs autoregressive text models: token-by-token decoding with a KV cache. Safe for concurrent
 * callers: each generation decodes on its caller's thread, one step at a time under the engine's
 * run budget, so many streams interleave step by step and a long one does not hold others back.
 * Errors a client caused are {@link io.verinfer.protocol.VerinferException}s naming the field (the
 * context limit included).
 */
public interface TextGenerator extends AutoCloseable {
  /** Makes the text model of the pack at {@code packDir} servable (its files already checked). */
  TextModel deploy(java.nio.file.Path packDir);

  Optional<TextModel> model(String name);

  List<TextModel> models();

  /** The token ids of {@code text} (no special tokens added beyond what the text names). */
  int[] encode(String model, String text);

  /** The text of {@code tokens}, special tokens left out. */
  String decode(String model, int[] tokens);

  /** The prompt text the model's chat template makes of {@code messages}, ready for the reply. */
  String renderChat(String model, List<ChatMessage> messages);

  /**
   * Generates a continuation of the request's prompt, handing each chunk to {@code sink} as it is
   * decoded, and returns the whole generation once it ended.
   *
   * @throws io.verinfer.protocol.VerinferException when the prompt plus {@code maxTokens} exceed
   *     the context, or a token id is outside the vocabulary (before anything runs)
   */
  Generation generate(String model, GenerationRequest request, GenerationSink sink);

  /** Which execution provider decodes (e.g. "CPU"), and why if a GPU was asked for. */
  String executionProvider();

  @Override
  void close();
}
