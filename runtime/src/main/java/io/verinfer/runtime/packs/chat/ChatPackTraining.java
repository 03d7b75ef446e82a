package io.verinfer.runtime.packs.chat;

import io.verinfer.runtime.textgen.DecoderTokenizer;
import io.verinfer.runtime.textgen.DecoderWeights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The chat pack's recipe end to end, without writing anything: the corpus tokenized by DJL from the
 * pack's {@code tokenizer.json}, then {@link DecoderTrainer} over shuffled batches.
 */
public final class ChatPackTraining {
  /** Told about every step: 1-based step, its learning rate and result. */
  public interface Progress {
    void step(int step, float lr, DecoderTrainer.StepResult result);
  }

  private ChatPackTraining() {}

  /**
   * Tokenizes {@code corpus} with the tokenizer at {@code tokenizerJson}; the loss of each sequence
   * counts from the first answer token. Fails if the prompt's tokens are not a prefix of the whole
   * chat's (the engine tokenizes the prompt alone).
   */
  public static List<DecoderTrainer.Sequence> tokenize(
      ChatCorpus corpus, Path tokenizerJson, int contextLength) {
    List<DecoderTrainer.Sequence> out = new ArrayList<>();
    try (DecoderTokenizer tok = DecoderTokenizer.open(tokenizerJson)) {
      for (ChatCorpus.Example e : corpus.examples()) {
        int[] prompt = tok.encode(e.prompt());
        int[] full = tok.encode(e.text());
        if (full.length <= prompt.length
            || !Arrays.equals(prompt, Arrays.copyOf(full, prompt.length))) {
          throw new IllegalStateException("prompt tokens are not a prefix of: " + e.text());
        }
        if (full.length > contextLength) {
          throw new IllegalStateException(
              full.length + " tokens exceed the context of " + contextLength + ": " + e.text());
        }
        out.add(new DecoderTrainer.Sequence(full, prompt.length));
      }
    }
    return out;
  }

  /** Runs the first {@code steps} steps of {@code recipe} and returns the trained weights. */
  public static DecoderWeights train(
      ChatRecipe recipe, List<DecoderTrainer.Sequence> data, int steps, Progress progress) {
    DecoderWeights w = DecoderTrainer.initialise(recipe.model(), recipe.seed());
    Random order = new Random(recipe.seed() + 1);
    int[] perm = new int[data.size()];
    int next = perm.length;
    try (DecoderTrainer trainer = new DecoderTrainer(w, recipe.threads())) {
      for (int step = 1; step <= steps; step++) {
        List<DecoderTrainer.Sequence> batch = new ArrayList<>(recipe.batchSize());
        while (batch.size() < recipe.batchSize()) {
          if (next == perm.length) {
            shuffle(perm, order);
            next = 0;
          }
          batch.add(data.get(perm[next++]));
        }
        float lr = recipe.learningRate(step);
        DecoderTrainer.StepResult r = trainer.step(batch, lr, recipe.optimizer());
        progress.step(step, lr, r);
      }
    }
    return w;
  }

  /** Fisher–Yates written out, so the order never depends on a JDK's shuffle. */
  private static void shuffle(int[] perm, Random r) {
    for (int i = 0; i < perm.length; i++) {
      perm[i] = i;
    }
    for (int i = perm.length - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
  }

  /** A training-log.csv line for one step. */
  public static String logLine(int step, float lr, DecoderTrainer.StepResult r) {
    return step + "," + r.loss() + "," + lr;
  }
}
