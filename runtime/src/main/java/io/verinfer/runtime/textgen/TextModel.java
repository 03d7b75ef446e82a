package io.verinfer.runtime.textgen;

import io.verinfer.protocol.Cid;
import java.util.Objects;

/**
 * A text-generation model the {@link TextGenerator} serves.
 *
 * @param name served name (the pack's name)
 * @param cid CID of the ONNX decoder
 * @param contextLength the most tokens prompt and completion may hold together
 * @param vocabSize tokens in its vocabulary
 * @param chatTemplate the name of the template chat messages are rendered with ({@code chatml})
 */
public record TextModel(
    String name, Cid cid, int contextLength, int vocabSize, String chatTemplate) {
  public TextModel {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(cid, "cid");
    Objects.requireNonNull(chatTemplate, "chatTemplate");
    if (contextLength <= 1) {
      throw new IllegalArgumentException("contextLength must be > 1");
    }
  }
}
