package io.verinfer.runtime.packs.chat;

import io.verinfer.runtime.textgen.DecoderTokenizer;
import io.verinfer.runtime.textgen.DecoderWeights;
import java.util.Arrays;

/**
 * Greedy answers from trained weights with the trainer's own forward pass, recomputing the whole
 * prefix for every token (slow, simple, and independent of the engine): the pack's sample outputs
 * and a check that training produced readable text.
 */
public final class GreedyChat implements AutoCloseable {
  private final DecoderTrainer forward;
  private final DecoderTokenizer tokenizer;
  private final int imEnd;
  private final int contextLength;

  public GreedyChat(DecoderWeights weights, DecoderTokenizer tokenizer) {
    this.forward = new DecoderTrainer(weights, 1);
    this.tokenizer = tokenizer;
    this.imEnd = tokenizer.encode(ChatCorpus.IM_END)[0];
    this.contextLength = weights.config.contextLength();
  }

  /** The assistant's answer to {@code question}, at most {@code maxTokens} tokens. */
  public String answer(String question, boolean withSystem, int maxTokens) {
    int[] prompt = tokenizer.encode(ChatCorpus.prompt(question, withSystem));
    int[] ids = Arrays.copyOf(prompt, contextLength);
    int n = prompt.length;
    int limit = Math.min(contextLength, prompt.length + maxTokens);
    while (n < limit) {
      float[] logits = forward.nextLogits(ids, n);
      int best = 0;
      for (int j = 1; j < logits.length; j++) {
        if (logits[j] > logits[best]) {
          best = j;
        }
      }
      if (best == imEnd) {
        break;
      }
      ids[n++] = best;
    }
    return tokenizer.decodeWithSpecials(Arrays.copyOfRange(ids, prompt.length, n));
  }

  @Override
  public void close() {
    forward.close();
  }
}
