package io.verinfer.runtime.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.runtime.packs.minilm.MiniLmPack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** Invariants of every encoding, for arbitrary text (jqwik). */
class TextTokenizerPropertiesTest {
  private static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-q-tokenizer.json";
  private static Path tokenizerFile;
  private static TextTokenizer tokenizer;

  @BeforeContainer
  static void open() throws IOException {
    tokenizerFile = Files.createTempFile("minilm-tokenizer", ".json");
    try (var in = MiniLmPack.class.getClassLoader().getResourceAsStream(TOKENIZER_RESOURCE)) {
      Files.copy(in, tokenizerFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    tokenizer = TextTokenizer.open(tokenizerFile, MiniLmPack.TOKEN_LIMIT);
  }

  @AfterContainer
  static void close() throws IOException {
    if (tokenizer != null) {
      tokenizer.close();
    }
    Files.deleteIfExists(tokenizerFile);
  }

  @Property(tries = 300)
  void everyEncodingIsFramedMaskedAndBounded(
      @ForAll @StringLength(min = 1, max = 400) String text,
      @ForAll @IntRange(min = 3, max = 512) int maxTokens) {
    if (text.isBlank() || hasLoneSurrogate(text)) {
      return; // refused with EMPTY_INPUT / INVALID_TEXT, covered by TextTokenizerTest
    }
    TextTokenizer.Encoding e = tokenizer.encode(text, maxTokens);
    long[] ids = e.ids();
    assertThat(ids.length).isBetween(2, maxTokens);
    assertThat(ids[0]).isEqualTo(101);
    assertThat(ids[ids.length - 1]).isEqualTo(102);
    assertThat(e.attentionMask()).containsOnly(1L);
    assertThat(e.typeIds()).containsOnly(0L);
    assertThat(tokenizer.encode(text, maxTokens)).isEqualTo(e);
  }

  @Property(tries = 100)
  void aShorterLimitKeepsAPrefixOfTheLongerEncoding(
      @ForAll @StringLength(min = 1, max = 300) String text,
      @ForAll @IntRange(min = 3, max = 64) int maxTokens) {
    if (text.isBlank() || hasLoneSurrogate(text)) {
      return;
    }
    long[] full = tokenizer.encode(text, 512).ids();
    long[] cut = tokenizer.encode(text, maxTokens).ids();
    int body = cut.length - 1;
    assertThat(java.util.Arrays.copyOf(cut, body)).isEqualTo(java.util.Arrays.copyOf(full, body));
    assertThat(cut.length).isEqualTo(Math.min(full.length, maxTokens));
  }

  private static boolean hasLoneSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }
}
