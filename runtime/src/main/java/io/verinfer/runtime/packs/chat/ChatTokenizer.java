package io.verinfer.runtime.packs.chat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The chat pack's {@code tokenizer.json} loaded by DJL's Hugging Face binding, the way the engine
 * loads it: special tokens recognised inside the text, nothing added around it, no truncation.
 * Training data is tokenized through this class so that it matches what the engine will see.
 */
public final class ChatTokenizer implements AutoCloseable {
  private final HuggingFaceTokenizer tokenizer;

  private ChatTokenizer(HuggingFaceTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  public static ChatTokenizer open(Path tokenizerJson) {
    // As TextTokenizer does: no DJL telemetry or metadata calls from a training run either.
    for (String property : new String[] {"offline", "ai.djl.offline", "OPT_OUT_TRACKING"}) {
      if (System.getProperty(property) == null) {
        System.setProperty(property, "true");
      }
    }
    try {
      return new ChatTokenizer(
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

  /** The text of {@code ids}, special tokens kept. */
  public String decode(int[] ids) {
    long[] l = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      l[i] = ids[i];
    }
    return tokenizer.decode(l, false);
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
