package io.verinfer.runtime.textgen;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A generation model's Hugging Face {@code tokenizer.json} through DJL's binding of the Rust {@code
 * tokenizers} library: no special tokens added, no truncation or padding; special tokens written in
 * the text (e.g. {@code <|im_start|>}) are recognised as such, which is what a chat template relies
 * on. Encoding and decoding only read the native tokenizer, so it is shared by every stream of a
 * model; the owner closes it once no stream uses it. The chat pack's trainer tokenizes its data
 * through this same class, so training sees exactly what the engine will.
 */
public final class DecoderTokenizer implements AutoCloseable {
  private final HuggingFaceTokenizer tokenizer;

  private DecoderTokenizer(HuggingFaceTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  public static DecoderTokenizer open(Path tokenizerJson) {
    if (!Files.isRegularFile(tokenizerJson)) {
      throw new UncheckedIOException(
          new IOException("no tokenizer file at " + tokenizerJson.toAbsolutePath()));
    }
    // DJL phones home on first use unless told not to (see text.TextTokenizer)
    for (String property : new String[] {"offline", "ai.djl.offline", "OPT_OUT_TRACKING"}) {
      if (System.getProperty(property) == null) {
        System.setProperty(property, "true");
      }
    }
    try {
      return new DecoderTokenizer(
          HuggingFaceTokenizer.builder()
              .optTokenizerPath(tokenizerJson)
              .optAddSpecialTokens(false)
              .optPadding(false)
              .optTruncation(false)
              .build());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load tokenizer " + tokenizerJson, e);
    }
  }

  public int[] encode(String text) {
    long[] ids = tokenizer.encode(text, false, false).getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  /** The text of {@code tokens}, special tokens left out. */
  String decode(int[] tokens, int count) {
    long[] ids = new long[count];
    for (int i = 0; i < count; i++) {
      ids[i] = tokens[i];
    }
    return tokenizer.decode(ids, true);
  }

  /** The text of {@code tokens}, special tokens kept (they round-trip through {@link #encode}). */
  public String decodeWithSpecials(int[] tokens) {
    long[] ids = new long[tokens.length];
    for (int i = 0; i < tokens.length; i++) {
      ids[i] = tokens[i];
    }
    return tokenizer.decode(ids, false);
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
