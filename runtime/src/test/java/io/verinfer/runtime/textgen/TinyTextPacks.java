package io.verinfer.runtime.textgen;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny text pack for engine tests: a GPT-2-style byte-level BPE {@code tokenizer.json} written
 * here (256 byte tokens, two merges, the ChatML special tokens) and a seeded random decoder over it
 * whose embedding favours lower-case letters and spaces, so that greedy text is mostly readable.
 */
public final class TinyTextPacks {
  static final int HE = 256;
  static final int LL = 257;
  static final int END_OF_TEXT = 258;
  static final int IM_START = 259;
  static final int IM_END = 260;
  public static final int VOCAB = 261;
  public static final String NAME = "tiny-chat";

  private TinyTextPacks() {}

  static DecoderConfig config(int contextLength) {
    return new DecoderConfig(VOCAB, contextLength, 2, 2, 16, 32);
  }

  /** Random weights; rows of tokens other than a-z, space and the merges are scaled down. */
  static DecoderWeights weights(int contextLength, long seed) {
    DecoderConfig c = config(contextLength);
    DecoderWeights w = TinyDecoders.random(c, seed);
    for (int t = 0; t < VOCAB; t++) {
      boolean favoured = (t >= 'a' && t <= 'z') || t == ' ' || t == HE || t == LL;
      if (!favoured) {
        for (int j = 0; j < c.width(); j++) {
          w.tokenEmbedding[t * c.width() + j] *= 0.05f;
        }
      }
    }
    return w;
  }

  /** A pack whose model always ends at once: the {@code <|im_end|>} row dominates the head. */
  static DecoderWeights endingWeights(int contextLength, long seed) {
    DecoderWeights w = weights(contextLength, seed);
    int d = w.config.width();
    for (int j = 0; j < d; j++) {
      w.tokenEmbedding[IM_END * d + j] = 0;
    }
    // the final norm's bias becomes the im_end row direction: logit(im_end) ≫ others
    for (int j = 0; j < d; j++) {
      w.finalGain[j] = 0.01f;
      w.finalBias[j] = (j % 2 == 0 ? 1 : -1);
      w.tokenEmbedding[IM_END * d + j] = 10 * w.finalBias[j];
    }
    return w;
  }

  /**
   * Writes the seeded random pack under {@code dir} (same seed, same bytes, same CID) and returns
   * its directory: for other modules' tests (the {@code verinfer-runtime} test jar).
   */
  public static Path write(Path dir, int contextLength, long seed) {
    return write(dir, weights(contextLength, seed));
  }

  static Path write(Path dir, DecoderWeights weights) {
    Path tokenizer = dir.resolve("source-tokenizer.json");
    writeTokenizer(tokenizer);
    return TextPacks.writePack(
        weights,
        tokenizer,
        dir.resolve(NAME),
        new TextPacks.Description(NAME, "random test decoder", "Apache-2.0", "0"));
  }

  static void writeTokenizer(Path file) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    String[] specials = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
    for (int i = 0; i < specials.length; i++) {
      ObjectNode t = added.addObject();
      t.put("id", END_OF_TEXT + i);
      t.put("content", specials[i]);
      t.put("single_word", false);
      t.put("lstrip", false);
      t.put("rstrip", false);
      t.put("normalized", false);
      t.put("special", true);
    }
    root.putNull("normalizer");
    ObjectNode pre = root.putObject("pre_tokenizer");
    pre.put("type", "ByteLevel");
    pre.put("add_prefix_space", false);
    pre.put("trim_offsets", true);
    pre.put("use_regex", true);
    root.putNull("post_processor");
    ObjectNode dec = root.putObject("decoder");
    dec.put("type", "ByteLevel");
    dec.put("add_prefix_space", true);
    dec.put("trim_offsets", true);
    dec.put("use_regex", true);
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.putNull("continuing_subword_prefix");
    model.putNull("end_of_word_suffix");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    ObjectNode vocab = model.putObject("vocab");
    char[] byteChars = byteToUnicode();
    for (int b = 0; b < 256; b++) {
      vocab.put(String.valueOf(byteChars[b]), b);
    }
    vocab.put("he", HE);
    vocab.put("ll", LL);
    ArrayNode merges = model.putArray("merges");
    merges.add("h e");
    merges.add("l l");
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** GPT-2's printable stand-in for every byte. */
  static char[] byteToUnicode() {
    List<Integer> bs = new ArrayList<>();
    for (int b = '!'; b <= '~'; b++) {
      bs.add(b);
    }
    for (int b = 0xA1; b <= 0xAC; b++) {
      bs.add(b);
    }
    for (int b = 0xAE; b <= 0xFF; b++) {
      bs.add(b);
    }
    char[] out = new char[256];
    for (int b : bs) {
      out[b] = (char) b;
    }
    int n = 0;
    for (int b = 0; b < 256; b++) {
      if (!bs.contains(b)) {
        out[b] = (char) (256 + n++);
      }
    }
    return out;
  }
}
