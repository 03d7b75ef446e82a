package io.verinfer.runtime.packs.chat;

import io.verinfer.runtime.textgen.DecoderConfig;

/**
 * Every setting of the chat pack's training run. The same recipe and corpus give the same tokenizer
 * and weight bytes on any machine.
 *
 * @param seed weight initialisation uses {@code seed}, the example order {@code seed + 1}
 * @param model the decoder's shape; its vocabSize is the tokenizer's size
 * @param batchSize chats per step
 * @param steps optimizer steps
 * @param peakLr learning rate after warmup
 * @param warmupSteps steps of linear warmup from 0
 * @param minLrRatio the cosine decay ends at {@code peakLr * minLrRatio}
 * @param optimizer AdamW betas, epsilon, decoupled weight decay (matrices and embeddings only) and
 *     the global gradient-norm clip
 * @param threads worker threads (1 or 2; the result does not depend on it)
 */
public record ChatRecipe(
    long seed,
    DecoderConfig model,
    int batchSize,
    int steps,
    float peakLr,
    int warmupSteps,
    float minLrRatio,
    DecoderTrainer.Optimizer optimizer,
    int threads) {
  public ChatRecipe {
    if (batchSize < DecoderTrainer.SHARDS) {
      throw new IllegalArgumentException(
          "batchSize must be >= " + DecoderTrainer.SHARDS + ", got " + batchSize);
    }
    if (steps < 1) {
      throw new IllegalArgumentException("steps must be >= 1, got " + steps);
    }
    if (!(peakLr > 0)) {
      throw new IllegalArgumentException("peakLr must be > 0, got " + peakLr);
    }
    if (warmupSteps < 0 || warmupSteps >= steps) {
      throw new IllegalArgumentException("warmupSteps must be in [0, steps), got " + warmupSteps);
    }
    if (!(minLrRatio >= 0 && minLrRatio <= 1)) {
      throw new IllegalArgumentException("minLrRatio must be in [0, 1], got " + minLrRatio);
    }
  }

  /** The recipe of the committed pack. */
  public static ChatRecipe pack() {
    return new ChatRecipe(
        20261207L,
        new DecoderConfig(768, 256, 4, 4, 128, 512),
        16,
        1000,
        3e-3f,
        60,
        0.1f,
        new DecoderTrainer.Optimizer(0.9f, 0.95f, 1e-8f, 0.01f, 1.0f),
        2);
  }

  /** Learning rate of 1-based step {@code step}: linear warmup, then cosine decay. */
  public float learningRate(int step) {
    if (step <= warmupSteps) {
      return peakLr * step / Math.max(1, warmupSteps);
    }
    double progress = (double) (step - warmupSteps) / (steps - warmupSteps);
    double cosine = 0.5 * (1 + StrictMath.cos(StrictMath.PI * progress));
    return (float) (peakLr * (minLrRatio + (1 - minLrRatio) * cosine));
  }
}
