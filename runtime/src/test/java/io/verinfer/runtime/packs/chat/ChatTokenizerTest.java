package io.verinfer.runtime.packs.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.runtime.textgen.DecoderTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our Java BPE against the Hugging Face library (through DJL) reading the file we write. */
class ChatTokenizerTest {
  static final Path CORPUS = Path.of("packs/verinfer-chat/corpus");

  @TempDir Path dir;

  @Test
  void djlEncodesExactlyAsTheJavaEncoderAndDecodeRoundTrips() throws Exception {
    ChatCorpus corpus = ChatCorpus.read(CORPUS);
    List<String> texts = new ArrayList<>();
    for (ChatCorpus.Example e : corpus.examples()) {
      texts.add(e.text());
    }
    ByteLevelBpe bpe = ByteLevelBpe.train(texts, 768, ChatCorpus.SPECIALS);
    assertThat(bpe.vocabSize()).isEqualTo(768);
    Path json = dir.resolve("tokenizer.json");
    Files.write(json, bpe.toJson());
    List<String> samples = new ArrayList<>(texts.subList(0, 40));
    samples.add("<|im_start|>user\nWhat's a voucher?<|im_end|>\n<|im_start|>assistant\n");
    samples.add("Unseen words: zygote, Ünïcödé, 日本語, emoji 🙂, tabs\tand  double  spaces \n\n end");
    samples.add("numbers 1,024 and 31337; code ./mvnw -q verify -DskipITs --dev-account 3");
    samples.add("<|endoftext|>special<|im_end|><|im_start|> glued<|im_end|>text");
    samples.add("   leading spaces and trailing   ");
    try (DecoderTokenizer djl = DecoderTokenizer.open(json)) {
      for (String s : samples) {
        int[] ours = bpe.encode(s);
        assertThat(djl.encode(s)).as(s).containsExactly(ours);
        assertThat(bpe.decode(ours)).isEqualTo(s);
        assertThat(djl.decodeWithSpecials(ours)).isEqualTo(s);
      }
      assertThat(djl.encode("<|im_start|>")).containsExactly(bpe.specialId(ChatCorpus.IM_START));
    }
  }

  @Test
  void trainingIsDeterministic() {
    List<String> texts = List.of("the cat sat on the mat", "the dog sat on the log <|im_end|>");
    byte[] a = ByteLevelBpe.train(texts, 280, ChatCorpus.SPECIALS).toJson();
    byte[] b = ByteLevelBpe.train(texts, 280, ChatCorpus.SPECIALS).toJson();
    assertThat(a).isEqualTo(b);
  }
}
