package io.verinfer.runtime.textgen;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A text-generation pack's {@code generation.json}, beside its {@code manifest.json}: what the
 * decoder needs that the ONNX graph does not say.
 *
 * @param contextLength the most tokens prompt and completion may hold together (the model's
 *     position limit)
 * @param chatTemplate how chat messages become a prompt: {@value #CHATML} is the only one so far
 * @param endTokens the tokens (as text, each one token of the tokenizer) that end a generation,
 *     e.g. {@code <|im_end|>} and {@code <|endoftext|>}
 */
public record GenerationSettings(int contextLength, String chatTemplate, List<String> endTokens) {
  public static final String FILE = "generation.json";
  public static final String CHATML = "chatml";
  public static final List<String> CHATML_END_TOKENS = List.of("<|im_end|>", "<|endoftext|>");

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public GenerationSettings {
    if (contextLength <= 1) {
      throw new IllegalArgumentException("contextLength must be > 1, got " + contextLength);
    }
    Objects.requireNonNull(chatTemplate, "chatTemplate");
    if (!chatTemplate.equals(CHATML)) {
      throw new IllegalArgumentException(
          "chatTemplate must be '" + CHATML + "', got '" + chatTemplate + "'");
    }
    endTokens = List.copyOf(Objects.requireNonNull(endTokens, "endTokens"));
    if (endTokens.isEmpty()) {
      throw new IllegalArgumentException("endTokens must name at least one token");
    }
  }

  public static GenerationSettings chatml(int contextLength) {
    return new GenerationSettings(contextLength, CHATML, CHATML_END_TOKENS);
  }

  public static GenerationSettings read(Path packDir) {
    Path file = packDir.resolve(FILE);
    try {
      return JSON.readValue(file.toFile(), GenerationSettings.class);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read generation settings " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes deterministic JSON (fields in declaration order). */
  public void write(Path packDir) {
    try {
      Files.createDirectories(packDir);
      Files.writeString(packDir.resolve(FILE), JSON.writeValueAsString(this) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write generation settings in " + packDir, e);
    }
  }
}
