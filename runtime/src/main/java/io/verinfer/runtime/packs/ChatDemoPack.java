package io.verinfer.runtime.packs;

import io.verinfer.runtime.textgen.DecoderWeights;
import io.verinfer.runtime.textgen.TextPacks;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The {@code verinfer-chat} demo pack: the project's own small chat model, trained by {@code
 * packs.chat.TrainChatPack} on the Verinfer Q&A corpus (recipe, loss curve and samples in {@code
 * runtime/packs/verinfer-chat/README.md}). The trained weights and tokenizer ship inside the
 * runtime jar; the pack is their ONNX export, which is deterministic, so its CID is stable.
 */
public final class ChatDemoPack {
  public static final String NAME = "verinfer-chat";
  static final String RESOURCES = "/io/verinfer/runtime/packs/verinfer-chat/";

  private ChatDemoPack() {}

  /** Writes the pack to {@code dir/verinfer-chat} and returns that directory. */
  public static Path write(Path dir) {
    Path pack = dir.resolve(NAME);
    try {
      DecoderWeights weights;
      try (InputStream in = resource("weights.vdw")) {
        weights = DecoderWeights.read(new java.io.BufferedInputStream(in));
      }
      Files.createDirectories(dir);
      Path tokenizer = Files.createTempFile(dir, "verinfer-chat-tokenizer", ".json");
      try {
        try (InputStream in = resource(TextPacks.TOKENIZER_FILE)) {
          Files.copy(in, tokenizer, StandardCopyOption.REPLACE_EXISTING);
        }
        return TextPacks.writePack(
            weights,
            tokenizer,
            pack,
            new TextPacks.Description(
                NAME,
                "Verinfer's own small chat model: answers short questions about Verinfer"
                    + " (trained here from the project's docs; see the pack README)",
                "Apache-2.0",
                "100"));
      } finally {
        Files.deleteIfExists(tokenizer);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the " + NAME + " pack in " + dir, e);
    }
  }

  private static InputStream resource(String file) throws IOException {
    InputStream in = ChatDemoPack.class.getResourceAsStream(RESOURCES + file);
    if (in == null) {
      throw new IOException(
          "the runtime jar holds no " + RESOURCES + file + " (built without the trained pack?)");
    }
    return in;
  }
}
