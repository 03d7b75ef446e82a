package io.verinfer.runtime.packs.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A GPT-2-style byte-level BPE tokenizer: trained deterministically on a corpus, written as a
 * Hugging Face {@code tokenizer.json} (ByteLevel pre-tokenizer and decoder, BPE model, special
 * added tokens, no post-processor, so nothing is added around a text) and able to encode exactly as
 * the Hugging Face library does with that file.
 *
 * <p>Ids: the 256 bytes first (id = byte value, written in GPT-2's printable byte alphabet), then
 * one token per merge in merge order, then the special tokens.
 */
public final class ByteLevelBpe {
  /** The GPT-2 pre-tokenizer split, as the Hugging Face ByteLevel pre-tokenizer uses it. */
  private static final Pattern SPLIT =
      Pattern.compile(
          "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
          Pattern.UNICODE_CHARACTER_CLASS);

  private static final char[] BYTE_CHARS = byteChars();

  private final List<String> vocab; // id -> token in the byte alphabet
  private final Map<String, Integer> ids;
  private final Map<String, Integer> mergeRanks; // "left right" -> rank
  private final List<String> merges;
  private final List<String> specials;

  private ByteLevelBpe(List<String> vocab, List<String> merges, List<String> specials) {
    this.vocab = List.copyOf(vocab);
    this.merges = List.copyOf(merges);
    this.specials = List.copyOf(specials);
    ids = new HashMap<>();
    for (int i = 0; i < vocab.size(); i++) {
      ids.put(vocab.get(i), i);
    }
    mergeRanks = new HashMap<>();
    for (int i = 0; i < merges.size(); i++) {
      mergeRanks.put(merges.get(i), i);
    }
  }

  /**
   * Learns merges on {@code texts} until the vocabulary (bytes + merges + specials) has {@code
   * vocabSize} tokens or no pair occurs twice. Special tokens inside the texts are cut out first
   * and never merged with anything. Ties between equally frequent pairs go to the pair whose tokens
   * have the smallest ids, so training is deterministic.
   */
  public static ByteLevelBpe train(List<String> texts, int vocabSize, List<String> specials) {
    int mergesWanted = vocabSize - 256 - specials.size();
    if (mergesWanted < 0) {
      throw new IllegalArgumentException(
          "vocabSize " + vocabSize + " is below 256 bytes + " + specials.size() + " specials");
    }
    TreeMap<String, Integer> counts = new TreeMap<>();
    for (String text : texts) {
      for (String piece : preTokenize(text, specials)) {
        if (!specials.contains(piece)) {
          counts.merge(piece, 1, Integer::sum);
        }
      }
    }
    List<int[]> words = new ArrayList<>();
    int[] freq = new int[counts.size()];
    int wi = 0;
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      String word = e.getKey();
      int[] symbols = new int[word.length()];
      for (int i = 0; i < word.length(); i++) {
        symbols[i] = byteOf(word.charAt(i));
      }
      words.add(symbols);
      freq[wi++] = e.getValue();
    }
    List<String> vocab = new ArrayList<>();
    for (int b = 0; b < 256; b++) {
      vocab.add(String.valueOf(BYTE_CHARS[b]));
    }
    Map<String, Integer> known = new HashMap<>();
    for (int i = 0; i < vocab.size(); i++) {
      known.put(vocab.get(i), i);
    }
    List<String> merges = new ArrayList<>();
    while (merges.size() < mergesWanted) {
      TreeMap<Long, Integer> pairs = new TreeMap<>();
      for (int i = 0; i < words.size(); i++) {
        int[] s = words.get(i);
        for (int j = 0; j + 1 < s.length; j++) {
          pairs.merge(((long) s[j] << 32) | s[j + 1], freq[i], Integer::sum);
        }
      }
      long best = -1;
      int bestCount = 1;
      for (Map.Entry<Long, Integer> e : pairs.entrySet()) {
        if (e.getValue() > bestCount) {
          bestCount = e.getValue();
          best = e.getKey();
        }
      }
      if (best < 0) {
        break;
      }
      int left = (int) (best >>> 32);
      int right = (int) best;
      String token = vocab.get(left) + vocab.get(right);
      Integer id = known.get(token);
      if (id == null) {
        id = vocab.size();
        vocab.add(token);
        known.put(token, id);
      }
      merges.add(vocab.get(left) + " " + vocab.get(right));
      for (int i = 0; i < words.size(); i++) {
        words.set(i, mergePair(words.get(i), left, right, id));
      }
    }
    vocab.addAll(specials);
    return new ByteLevelBpe(vocab, merges, specials);
  }

  private static int[] mergePair(int[] s, int left, int right, int id) {
    int[] out = new int[s.length];
    int n = 0;
    for (int j = 0; j < s.length; j++) {
      if (j + 1 < s.length && s[j] == left && s[j + 1] == right) {
        out[n++] = id;
        j++;
      } else {
        out[n++] = s[j];
      }
    }
    return n == s.length ? s : Arrays.copyOf(out, n);
  }

  public int vocabSize() {
    return vocab.size();
  }

  public List<String> specials() {
    return specials;
  }

  /** The id of special token {@code token}. */
  public int specialId(String token) {
    if (!specials.contains(token)) {
      throw new IllegalArgumentException("not a special token: " + token);
    }
    return ids.get(token);
  }

  /**
   * Encodes {@code text} as Hugging Face does with {@link #toJson}'s file: special tokens are
   * recognised anywhere in the text, the rest is split by the GPT-2 pattern, mapped to the byte
   * alphabet and merged lowest rank first (leftmost on ties).
   */
  public int[] encode(String text) {
    List<Integer> out = new ArrayList<>();
    for (String piece : preTokenize(text, specials)) {
      if (specials.contains(piece)) {
        out.add(ids.get(piece));
        continue;
      }
      List<String> symbols = new ArrayList<>();
      for (int i = 0; i < piece.length(); i++) {
        symbols.add(String.valueOf(piece.charAt(i)));
      }
      while (symbols.size() > 1) {
        int bestRank = Integer.MAX_VALUE;
        int at = -1;
        for (int j = 0; j + 1 < symbols.size(); j++) {
          Integer rank = mergeRanks.get(symbols.get(j) + " " + symbols.get(j + 1));
          if (rank != null && rank < bestRank) {
            bestRank = rank;
            at = j;
          }
        }
        if (at < 0) {
          break;
        }
        symbols.set(at, symbols.get(at) + symbols.get(at + 1));
        symbols.remove(at + 1);
      }
      for (String s : symbols) {
        out.add(ids.get(s));
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /** The text of {@code tokens}, special tokens written out as themselves. */
  public String decode(int[] tokens) {
    StringBuilder text = new StringBuilder();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int id : tokens) {
      String token = vocab.get(id);
      if (specials.contains(token)) {
        text.append(bytes.toString(StandardCharsets.UTF_8));
        bytes.reset();
        text.append(token);
      } else {
        for (int i = 0; i < token.length(); i++) {
          bytes.write(byteOf(token.charAt(i)));
        }
      }
    }
    return text.append(bytes.toString(StandardCharsets.UTF_8)).toString();
  }

  /** Special tokens cut out (longest first), then GPT-2 pieces in the byte alphabet. */
  private static List<String> preTokenize(String text, List<String> specials) {
    List<String> sorted = new ArrayList<>(specials);
    sorted.sort(Comparator.comparingInt(String::length).reversed().thenComparing(s -> s));
    List<String> out = new ArrayList<>();
    int from = 0;
    int i = 0;
    while (i < text.length()) {
      String hit = null;
      for (String s : sorted) {
        if (text.startsWith(s, i)) {
          hit = s;
          break;
        }
      }
      if (hit == null) {
        i++;
        continue;
      }
      split(text.substring(from, i), out);
      out.add(hit);
      i += hit.length();
      from = i;
    }
    split(text.substring(from), out);
    return out;
  }

  private static void split(String segment, List<String> out) {
    Matcher m = SPLIT.matcher(segment);
    while (m.find()) {
      byte[] utf8 = m.group().getBytes(StandardCharsets.UTF_8);
      char[] chars = new char[utf8.length];
      for (int i = 0; i < utf8.length; i++) {
        chars[i] = BYTE_CHARS[utf8[i] & 0xff];
      }
      out.add(new String(chars));
    }
  }

  /** The Hugging Face {@code tokenizer.json} of this tokenizer, UTF-8. */
  public byte[] toJson() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("version", "1.0");
    root.put("truncation", null);
    root.put("padding", null);
    List<Map<String, Object>> added = new ArrayList<>();
    for (String s : specials) {
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("id", ids.get(s));
      t.put("content", s);
      t.put("single_word", false);
      t.put("lstrip", false);
      t.put("rstrip", false);
      t.put("normalized", false);
      t.put("special", true);
      added.add(t);
    }
    root.put("added_tokens", added);
    root.put("normalizer", null);
    root.put("pre_tokenizer", byteLevel(false));
    root.put("post_processor", null);
    root.put("decoder", byteLevel(true));
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("type", "BPE");
    model.put("dropout", null);
    model.put("unk_token", null);
    model.put("continuing_subword_prefix", null);
    model.put("end_of_word_suffix", null);
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    model.put("ignore_merges", false);
    Map<String, Integer> v = new LinkedHashMap<>();
    for (int i = 0; i < vocab.size(); i++) {
      v.put(vocab.get(i), i);
    }
    model.put("vocab", v);
    model.put("merges", merges);
    root.put("model", model);
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(root);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write tokenizer.json", e);
    }
  }

  private static Map<String, Object> byteLevel(boolean prefixSpace) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "ByteLevel");
    m.put("add_prefix_space", prefixSpace);
    m.put("trim_offsets", true);
    m.put("use_regex", true);
    return m;
  }

  /** GPT-2's printable stand-ins for the 256 byte values. */
  private static char[] byteChars() {
    char[] map = new char[256];
    boolean[] printable = new boolean[256];
    for (int b = '!'; b <= '~'; b++) {
      printable[b] = true;
    }
    for (int b = 0xA1; b <= 0xAC; b++) {
      printable[b] = true;
    }
    for (int b = 0xAE; b <= 0xFF; b++) {
      printable[b] = true;
    }
    int next = 0;
    for (int b = 0; b < 256; b++) {
      map[b] = printable[b] ? (char) b : (char) (256 + next++);
    }
    return map;
  }

  private static int byteOf(char c) {
    if (c < 256 && BYTE_CHARS[c] == c) {
      return c;
    }
    for (int b = 0; b < 256; b++) {
      if (BYTE_CHARS[b] == c) {
        return b;
      }
    }
    throw new IllegalArgumentException("not a byte-alphabet character: " + (int) c);
  }
}
