package io.verinfer.runtime.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.VerinferException;
import io.verinfer.runtime.packs.minilm.MiniLmPack;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real MiniLM tokenizer.json through DJL's native tokenizer, offline. */
class TextTokenizerTest {
  private static final long CLS = 101;
  private static final long SEP = 102;

  @TempDir static Path dir;
  private static TextTokenizer tokenizer;

  @BeforeAll
  static void open() {
    Path pack = MiniLmPack.write(dir);
    tokenizer = TextTokenizer.open(pack.resolve(MiniLmPack.TOKENIZER_FILE), MiniLmPack.TOKEN_LIMIT);
  }

  @AfterAll
  static void close() {
    if (tokenizer != null) {
      tokenizer.close();
    }
  }

  @Test
  void encodesWithSpecialTokensMaskAndTypeIds() {
    TextTokenizer.Encoding e = tokenizer.encode("Hello, World!", 256);
    // [CLS] hello , world ! [SEP] (the tokenizer lower-cases)
    assertThat(e.ids()).containsExactly(CLS, 7592, 1010, 2088, 999, SEP);
    assertThat(e.attentionMask()).containsOnly(1L).hasSize(6);
    assertThat(e.typeIds()).containsOnly(0L).hasSize(6);
    assertThat(e.truncated()).isFalse();
  }

  @Test
  void truncatesFromTheRightKeepingSpecialTokens() {
    String text = "one two three four five six seven eight nine ten eleven twelve";
    TextTokenizer.Encoding full = tokenizer.encode(text, 256);
    TextTokenizer.Encoding cut = tokenizer.encode(text, 8);
    assertThat(cut.length()).isEqualTo(8);
    assertThat(cut.truncated()).isTrue();
    assertThat(cut.ids()[7]).isEqualTo(SEP);
    long[] head = java.util.Arrays.copyOf(full.ids(), 7);
    assertThat(java.util.Arrays.copyOf(cut.ids(), 7)).isEqualTo(head);

    TextTokenizer.Encoding longest = tokenizer.encode("word ".repeat(2000), 512);
    assertThat(longest.length()).isEqualTo(512);
    assertThat(longest.truncated()).isTrue();
    assertThat(longest.ids()[0]).isEqualTo(CLS);
    assertThat(longest.ids()[511]).isEqualTo(SEP);
  }

  @Test
  void refusesEmptyBlankBrokenAndHugeText() {
    for (String empty : new String[] {null, "", "   ", "\n\t"}) {
      assertThatThrownBy(() -> tokenizer.encode(empty, 256, "input[3]"))
          .isInstanceOfSatisfying(
              VerinferException.class,
              e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.EMPTY_INPUT);
                assertThat(e.field()).isEqualTo("input[3]");
                assertThat(e.getMessage()).contains("input[3]");
              });
    }
    assertThatThrownBy(() -> tokenizer.encode("bad \uD800 surrogate", 256))
        .isInstanceOfSatisfying(
            VerinferException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_TEXT));
    assertThat(tokenizer.encode("emoji \uD83D\uDE00 ok", 256).length()).isGreaterThan(2);
    String huge = "a".repeat(TextTokenizer.MAX_TEXT_CHARS + 1);
    assertThatThrownBy(() -> tokenizer.encode(huge, 256))
        .isInstanceOfSatisfying(
            VerinferException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.INPUT_TOO_LARGE));
    assertThatThrownBy(() -> tokenizer.encode("fine", 513))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void concurrentEncodingGivesTheSameAnswers() throws Exception {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      texts.add("request number " + i + " about " + "tokens ".repeat(i % 40));
    }
    List<TextTokenizer.Encoding> expected = new ArrayList<>();
    for (String t : texts) {
      expected.add(tokenizer.encode(t, 128));
    }
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<TextTokenizer.Encoding>> futures = new ArrayList<>();
      for (String t : texts) {
        futures.add(pool.submit(() -> tokenizer.encode(t, 128)));
      }
      for (int i = 0; i < texts.size(); i++) {
        assertThat(futures.get(i).get()).isEqualTo(expected.get(i));
      }
    }
  }

  @Test
  void aClosedTokenizerRefusesWork() {
    TextTokenizer own =
        TextTokenizer.open(
            dir.resolve(MiniLmPack.NAME).resolve(MiniLmPack.TOKENIZER_FILE),
            MiniLmPack.TOKEN_LIMIT);
    assertThat(own.encode("still open", 16).length()).isEqualTo(4);
    own.close();
    own.close();
    assertThatThrownBy(() -> own.encode("closed", 16)).isInstanceOf(IllegalStateException.class);
  }
}
