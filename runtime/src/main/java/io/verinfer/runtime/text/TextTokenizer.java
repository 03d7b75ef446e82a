package io.verinfer.runtime.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.VerinferException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Turns text into model token ids with a HuggingFace {@code tokenizer.json} (DJL's binding of the
 * Rust {@code tokenizers} library, whose native library ships inside the DJL jar). Nothing is
 * downloaded: the tokenizer is read from a local file and DJL's telemetry call is switched off.
 *
 * <p>Thread-safe: encoding only reads the native tokenizer, and a read/write lock keeps {@link
 * #close()} from freeing it under a running encode. Close it when done; it holds native memory.
 */
public final class TextTokenizer implements AutoCloseable {
  /** Longest text accepted, in UTF-16 chars; longer texts are refused rather than tokenized. */
  public static final int MAX_TEXT_CHARS = 65_536;

  /**
   * One encoded text: token ids (special tokens included), attention mask and token type ids, all
   * of the same length. {@code truncated} tells whether tokens were dropped to fit.
   */
  public record Encoding(long[] ids, long[] attentionMask, long[] typeIds, boolean truncated) {
    public Encoding {
      ids = ids.clone();
      attentionMask = attentionMask.clone();
      typeIds = typeIds.clone();
      if (ids.length != attentionMask.length || ids.length != typeIds.length) {
        throw new IllegalArgumentException("ids, attention mask and type ids differ in length");
      }
    }

    @Override
    public long[] ids() {
      return ids.clone();
    }

    @Override
    public long[] attentionMask() {
      return attentionMask.clone();
    }

    @Override
    public long[] typeIds() {
      return typeIds.clone();
    }

    /** Number of tokens, special tokens included. */
    public int length() {
      return ids.length;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Encoding e
          && truncated == e.truncated
          && Arrays.equals(ids, e.ids)
          && Arrays.equals(attentionMask, e.attentionMask)
          && Arrays.equals(typeIds, e.typeIds);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(ids) + Arrays.hashCode(typeIds) + (truncated ? 1 : 0);
    }

    @Override
    public String toString() {
      return "Encoding" + Arrays.toString(ids) + (truncated ? " (truncated)" : "");
    }
  }

  private final HuggingFaceTokenizer tokenizer;
  private final int tokenLimit;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  private TextTokenizer(HuggingFaceTokenizer tokenizer, int tokenLimit) {
    this.tokenizer = tokenizer;
    this.tokenLimit = tokenLimit;
  }

  /**
   * Loads {@code tokenizerJson}. Texts are always truncated to at most {@code tokenLimit} tokens
   * (the model's position limit, e.g. 512 for BERT models); {@link #encode} may ask for fewer.
   */
  public static TextTokenizer open(Path tokenizerJson, int tokenLimit) {
    if (tokenLimit < 3) {
      throw new IllegalArgumentException("tokenLimit must be >= 3, got " + tokenLimit);
    }
    if (!Files.isRegularFile(tokenizerJson)) {
      throw new UncheckedIOException(
          new IOException("no tokenizer file at " + tokenizerJson.toAbsolutePath()));
    }
    stayOffline();
    try {
      HuggingFaceTokenizer tokenizer =
          HuggingFaceTokenizer.builder()
              .optTokenizerPath(tokenizerJson)
              .optAddSpecialTokens(true)
              .optPadding(false)
              .optTruncation(true)
              .optMaxLength(tokenLimit)
              .build();
      return new TextTokenizer(tokenizer, tokenLimit);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load tokenizer " + tokenizerJson, e);
    }
  }

  /**
   * DJL pings AWS instance metadata and a telemetry bucket the first time a tokenizer is created
   * unless {@code offline} or {@code OPT_OUT_TRACKING} is set; a provider node must not phone
   * anyone, so both are set unless the operator chose otherwise.
   */
  private static void stayOffline() {
    for (String property : new String[] {"offline", "ai.djl.offline", "OPT_OUT_TRACKING"}) {
      if (System.getProperty(property) == null) {
        System.setProperty(property, "true");
      }
    }
  }

  /** The most tokens any encoding can have. */
  public int tokenLimit() {
    return tokenLimit;
  }

  /** {@link #encode(String, int, String)} with the field name {@code input}. */
  public Encoding encode(String text, int maxTokens) {
    return encode(text, maxTokens, "input");
  }

  /**
   * Encodes {@code text} with the tokenizer's special tokens (for BERT: {@code [CLS] … [SEP]}),
   * keeping at most {@code maxTokens} tokens: the text is cut from the right, the special tokens
   * stay. Null, empty or blank text is refused with {@link ErrorCode#EMPTY_INPUT}, text with an
   * unpaired surrogate with {@link ErrorCode#INVALID_TEXT}, and text over {@link #MAX_TEXT_CHARS}
   * with {@link ErrorCode#INPUT_TOO_LARGE}, each naming {@code field}.
   */
  public Encoding encode(String text, int maxTokens, String field) {
    if (maxTokens < 3 || maxTokens > tokenLimit) {
      throw new IllegalArgumentException(
          "maxTokens must be in [3, " + tokenLimit + "], got " + maxTokens);
    }
    check(text, field);
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("the tokenizer is closed");
      }
      ai.djl.huggingface.tokenizers.Encoding full = tokenizer.encode(text, true, false);
      return truncate(full, maxTokens);
    } finally {
      lock.readLock().unlock();
    }
  }

  private static void check(String text, String field) {
    if (text == null || text.isBlank()) {
      throw new VerinferException(
          ErrorCode.EMPTY_INPUT,
          field,
          field + " is " + (text == null ? "missing" : "empty") + "; give some text to embed");
    }
    if (text.length() > MAX_TEXT_CHARS) {
      throw new VerinferException(
          ErrorCode.INPUT_TOO_LARGE,
          field,
          field + " has " + text.length() + " characters; at most " + MAX_TEXT_CHARS);
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new VerinferException(
            ErrorCode.INVALID_TEXT,
            field,
            field + " has an unpaired UTF-16 surrogate at index " + i + "; send valid Unicode");
      }
    }
  }

  /**
   * Cuts an encoding of one sequence to {@code maxTokens} the way the tokenizer's own truncation
   * does: leading and trailing special tokens stay, the text tokens before the trailing ones are
   * dropped from the right. Doing it here lets one native tokenizer serve every {@code maxTokens}.
   */
  private static Encoding truncate(ai.djl.huggingface.tokenizers.Encoding e, int maxTokens) {
    long[] ids = e.getIds();
    long[] mask = e.getAttentionMask();
    long[] types = e.getTypeIds();
    if (ids.length <= maxTokens) {
      return new Encoding(ids, mask, types, e.exceedMaxLength());
    }
    long[] special = e.getSpecialTokenMask();
    int trailing = 0;
    while (trailing < ids.length && special[ids.length - 1 - trailing] == 1) {
      trailing++;
    }
    trailing = Math.min(trailing, maxTokens - 1);
    int keepHead = maxTokens - trailing;
    long[] outIds = new long[maxTokens];
    long[] outMask = new long[maxTokens];
    long[] outTypes = new long[maxTokens];
    System.arraycopy(ids, 0, outIds, 0, keepHead);
    System.arraycopy(mask, 0, outMask, 0, keepHead);
    System.arraycopy(types, 0, outTypes, 0, keepHead);
    int from = ids.length - trailing;
    System.arraycopy(ids, from, outIds, keepHead, trailing);
    System.arraycopy(mask, from, outMask, keepHead, trailing);
    System.arraycopy(types, from, outTypes, keepHead, trailing);
    return new Encoding(outIds, outMask, outTypes, true);
  }

  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        tokenizer.close();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }
}
