package io.verinfer.acceptance;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verinfer.runtime.textgen.DecoderConfig;
import io.verinfer.runtime.textgen.DecoderWeights;
import io.verinfer.runtime.textgen.TextPacks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A small text pack for acceptance tests, built the way the engine's own tests build theirs: a
 * GPT-2-style byte-level BPE {@code tokenizer.json} (256 byte tokens, two merges, the ChatML
 * specials) and a seeded random decoder whose embedding favours lower-case letters and spaces. It
 * is not trained, so its text is not coherent: tests check tokens, streaming and money, not
 * meaning. Deterministic: the same seed writes the same bytes (the same CID).
 */
final class TinyChatPack {
  static final String NAME = "tiny-chat";
  private static final int HE = 256;
  private static final int LL = 257;
  private static final int END_OF_TEXT = 258;
  private static final int VOCAB = 261;

  private TinyChatPack() {}

  /** Writes the pack under {@code dir} and returns its directory. */
  static Path write(Path dir, int contextLength, long seed) {
    DecoderConfig c = new DecoderConfig(VOCAB, contextLength, 2, 2, 16, 32);
    DecoderWeights w = new DecoderWeights(c);
    SplittableRandom rng = new SplittableRandom(seed);
    for (float[] a : w.arrays()) {
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) (rng.nextGaussian() * 0.3);
      }
    }
    for (DecoderWeights.Layer l : w.layers) {
      for (int i = 0; i < c.width(); i++) {
        l.ln1Gain[i] += 1;
        l.ln2Gain[i] += 1;
      }
    }
    for (int i = 0; i < c.width(); i++) {
      w.finalGain[i] += 1;
    }
    for (int t = 0; t < VOCAB; t++) {
      boolean favoured = (t >= 'a' && t <= 'z') || t == ' ' || t == HE || t == LL;
      if (!favoured) {
        for (int j = 0; j < c.width(); j++) {
          w.tokenEmbedding[t * c.width() + j] *= 0.05f;
        }
      }
    }
    Path tokenizer = dir.resolve("source-tokenizer.json");
    writeTokenizer(tokenizer);
    return TextPacks.writePack(
        w,
        tokenizer,
        dir.resolve(NAME),
        new TextPacks.Description(NAME, "random test decoder", "Apache-2.0", "0"));
  }

  private static void writeTokenizer(Path file) {
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
  private static char[] byteToUnicode() {
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
