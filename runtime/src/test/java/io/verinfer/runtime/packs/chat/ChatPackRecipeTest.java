package io.verinfer.runtime.packs.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.runtime.textgen.DecoderTokenizer;
import io.verinfer.runtime.textgen.DecoderWeights;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The committed pack is what its recipe produces, and it answers in words. */
class ChatPackRecipeTest {
  private static final Path PACK = Path.of("packs/verinfer-chat");
  private static final int STEPS = 10;

  @Test
  void recipeRebuildsTheTokenizerAndTheFirstStepsOfTheLog() throws Exception {
    ChatCorpus corpus = ChatCorpus.read(PACK.resolve("corpus"));
    ChatRecipe recipe = ChatRecipe.pack();
    assertThat(TrainChatPack.tokenizer(corpus, recipe).toJson())
        .isEqualTo(Files.readAllBytes(PACK.resolve("tokenizer.json")));
    List<DecoderTrainer.Sequence> data =
        ChatPackTraining.tokenize(
            corpus, PACK.resolve("tokenizer.json"), recipe.model().contextLength());
    List<String> lines = new ArrayList<>();
    ChatPackTraining.train(
        recipe, data, STEPS, (step, lr, r) -> lines.add(ChatPackTraining.logLine(step, lr, r)));
    List<String> committed = Files.readAllLines(PACK.resolve("training-log.csv"));
    assertThat(committed).hasSize(recipe.steps() + 1);
    assertThat(lines).isEqualTo(committed.subList(1, STEPS + 1));
  }

  @Test
  void committedWeightsAnswerACorpusQuestionWordForWord() throws Exception {
    DecoderWeights w;
    try (InputStream in = Files.newInputStream(PACK.resolve("weights.vdw"))) {
      w = DecoderWeights.read(in);
    }
    assertThat(w.config).isEqualTo(ChatRecipe.pack().model());
    try (DecoderTokenizer tok = DecoderTokenizer.open(PACK.resolve("tokenizer.json"));
        GreedyChat chat = new GreedyChat(w, tok)) {
      assertThat(chat.answer("What is Verinfer?", true, 40))
          .isEqualTo(
              "Verinfer is a decentralized marketplace for AI inference on Ethereum, written in"
                  + " Java.");
    }
  }
}
