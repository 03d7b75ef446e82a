package io.verinfer.runtime.packs.chat;

import io.verinfer.runtime.textgen.DecoderTokenizer;
import io.verinfer.runtime.textgen.DecoderWeights;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Trains the {@code verinfer-chat} pack from its corpus and writes {@code tokenizer.json}, {@code
 * weights.vdw}, {@code training-log.csv}, {@code loss.png} and {@code README.md} into the pack
 * directory: {@code TrainChatPack [packDir]} (default {@code runtime/packs/verinfer-chat}, run from
 * the repository root).
 */
public final class TrainChatPack {
  /** Questions for the README's samples: some from the corpus, some rephrased or unseen. */
  static final List<String> SAMPLES =
      List.of(
          "What is Verinfer?",
          "What is a voucher?",
          "How much is slashed?",
          "How do I start Verinfer?",
          "what is the counter nft",
          "Hello",
          "Could you tell me what a receipt is?",
          "Who decides whether a provider cheated?",
          "How does a provider earn money?",
          "Which verification modes can I pick?",
          "How do I vote on a governance proposal?",
          "What is the capital of France?");

  private TrainChatPack() {}

  public static void main(String[] args) throws IOException {
    Path pack = Path.of(args.length > 0 ? args[0] : "runtime/packs/verinfer-chat");
    ChatRecipe recipe = ChatRecipe.pack();
    if (args.length > 1) {
      int steps = Integer.parseInt(args[1]); // a shorter run, for timing only
      recipe =
          new ChatRecipe(
              recipe.seed(),
              recipe.model(),
              recipe.batchSize(),
              steps,
              recipe.peakLr(),
              Math.min(recipe.warmupSteps(), steps - 1),
              recipe.minLrRatio(),
              recipe.optimizer(),
              recipe.threads());
    }
    long start = System.nanoTime();
    ChatCorpus corpus = ChatCorpus.read(pack.resolve("corpus"));
    Path tokenizerJson = pack.resolve("tokenizer.json");
    Files.write(tokenizerJson, tokenizer(corpus, recipe).toJson());
    List<DecoderTrainer.Sequence> data =
        ChatPackTraining.tokenize(corpus, tokenizerJson, recipe.model().contextLength());
    long tokens = 0;
    long targets = 0;
    for (DecoderTrainer.Sequence s : data) {
      tokens += s.tokens().length;
      targets += s.targets();
    }
    System.out.printf(
        "corpus: %d pairs, %d examples, %d tokens (%d answer tokens); model %s, %,d parameters%n",
        corpus.pairs().size(),
        data.size(),
        tokens,
        targets,
        recipe.model(),
        recipe.model().parameterCount());
    List<String> log = new ArrayList<>();
    log.add("step,loss,lr");
    long[] last = {System.nanoTime()};
    long[] tokensSince = {0};
    DecoderWeights w =
        ChatPackTraining.train(
            recipe,
            data,
            recipe.steps(),
            (step, lr, r) -> {
              log.add(ChatPackTraining.logLine(step, lr, r));
              tokensSince[0] += r.tokens();
              if (step % 10 == 0 || step == 1) {
                long now = System.nanoTime();
                System.out.printf(
                    Locale.ROOT,
                    "step %5d  loss %.4f  lr %.2e  grad %.3f  %.0f tokens/s%n",
                    step,
                    r.loss(),
                    lr,
                    r.gradNorm(),
                    tokensSince[0] / ((now - last[0]) / 1e9));
                last[0] = now;
                tokensSince[0] = 0;
              }
            });
    double seconds = (System.nanoTime() - start) / 1e9;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    w.write(bytes);
    Files.write(pack.resolve("weights.vdw"), bytes.toByteArray());
    Files.write(
        pack.resolve("training-log.csv"),
        (String.join("\n", log) + "\n").getBytes(StandardCharsets.UTF_8));
    LossPlot.write(log, pack.resolve("loss.png"));
    List<String[]> samples = new ArrayList<>();
    try (DecoderTokenizer tok = DecoderTokenizer.open(tokenizerJson);
        GreedyChat chat = new GreedyChat(w, tok)) {
      for (String q : SAMPLES) {
        String a = chat.answer(q, true, 80);
        System.out.println("Q: " + q + "\nA: " + a);
        samples.add(new String[] {q, a});
      }
    }
    Files.writeString(
        pack.resolve("README.md"),
        PackReadme.render(
            recipe, corpus, pack, data.size(), tokens, targets, log, seconds, samples));
    System.out.printf("wrote %s in %.0f s%n", pack, seconds);
  }

  static ByteLevelBpe tokenizer(ChatCorpus corpus, ChatRecipe recipe) {
    List<String> texts = new ArrayList<>();
    for (ChatCorpus.Example e : corpus.examples()) {
      texts.add(e.text());
    }
    return ByteLevelBpe.train(texts, recipe.model().vocabSize(), ChatCorpus.SPECIALS);
  }

  static String sha256(Path file) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256", e);
    }
  }
}
