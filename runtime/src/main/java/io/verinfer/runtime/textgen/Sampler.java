package io.verinfer.runtime.textgen;

import java.util.SplittableRandom;

/**
 * Picks the next token from a row of logits exactly as {@link SamplingParams} says, so that anyone
 * with the same logits, parameters and seed picks the same token:
 *
 * <ul>
 *   <li>greedy ({@code temperature == 0}): the highest logit, the lowest id on a tie; no random
 *       draw;
 *   <li>otherwise, in double: {@code p_i = exp(l_i/T - max) / Σ}, tokens sorted by probability
 *       descending then id ascending, the nucleus is the shortest prefix of that order whose
 *       cumulative probability reaches {@code topP} (at least one token), and one draw {@code u =
 *       random.nextDouble() · nucleusMass} picks the first token whose cumulative probability
 *       exceeds {@code u} (the last nucleus token if rounding leaves none).
 * </ul>
 */
final class Sampler {
  private final SamplingParams params;
  private final SplittableRandom random;
  private double[] probs = new double[0];
  private long[] order = new long[0];

  Sampler(SamplingParams params) {
    this.params = params;
    this.random = new SplittableRandom(params.seed());
  }

  /** The token for {@code logits[offset .. offset + vocab)}. */
  int next(float[] logits, int offset, int vocab) {
    if (params.isGreedy()) {
      return argmax(logits, offset, vocab);
    }
    return sample(logits, offset, vocab);
  }

  static int argmax(float[] logits, int offset, int vocab) {
    int best = 0;
    float max = logits[offset];
    for (int i = 1; i < vocab; i++) {
      float l = logits[offset + i];
      if (l > max) {
        max = l;
        best = i;
      }
    }
    return best;
  }

  private int sample(float[] logits, int offset, int vocab) {
    if (probs.length != vocab) {
      probs = new double[vocab];
      order = new long[vocab];
    }
    double t = params.temperature();
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      max = Math.max(max, logits[offset + i] / t);
    }
    double sum = 0;
    for (int i = 0; i < vocab; i++) {
      double e = Math.exp(logits[offset + i] / t - max);
      probs[i] = e;
      sum += e;
    }
    for (int i = 0; i < vocab; i++) {
      probs[i] /= sum;
      order[i] = sortKey(probs[i], i);
    }
    // ascending keys = probability descending, then id ascending
    java.util.Arrays.sort(order);
    settleTies(vocab);
    double cumulative = 0;
    int nucleus = 0;
    while (nucleus < vocab) {
      cumulative += probs[idOf(order[nucleus])];
      nucleus++;
      if (cumulative >= params.topP()) {
        break;
      }
    }
    double u = random.nextDouble() * cumulative;
    double running = 0;
    for (int r = 0; r < nucleus; r++) {
      int id = idOf(order[r]);
      running += probs[id];
      if (running > u) {
        return id;
      }
    }
    return idOf(order[nucleus - 1]);
  }

  /**
   * A key that sorts ascending by the probability's top 32 bits descending, then id ascending:
   * non-negative doubles order like their bit patterns, so this pre-sorts by probability in one
   * primitive sort; {@link #settleTies} then orders exactly within runs of equal top bits.
   */
  private static long sortKey(double p, int id) {
    long high = Double.doubleToLongBits(p) >>> 32;
    return ((0x7FFF_FFFFL - high) << 32) | id;
  }

  /** Insertion-sorts each run of equal top bits by exact probability descending, id ascending. */
  private void settleTies(int vocab) {
    int start = 0;
    while (start < vocab) {
      int end = start + 1;
      long group = order[start] >>> 32;
      while (end < vocab && order[end] >>> 32 == group) {
        end++;
      }
      for (int i = start + 1; i < end; i++) {
        long key = order[i];
        int j = i - 1;
        while (j >= start && before(key, order[j])) {
          order[j + 1] = order[j];
          j--;
        }
        order[j + 1] = key;
      }
      start = end;
    }
  }

  private boolean before(long a, long b) {
    double pa = probs[idOf(a)];
    double pb = probs[idOf(b)];
    return pa > pb || (pa == pb && idOf(a) < idOf(b));
  }

  private static int idOf(long key) {
    return (int) (key & 0xFFFF_FFFFL);
  }
}
