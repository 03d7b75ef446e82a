package io.verinfer.runtime.textgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Token choice exactly as the SamplingParams javadoc says. */
class SamplerTest {
  private static SamplingParams params(double t, double topP, long seed) {
    return new SamplingParams(t, topP, seed, 1, List.of());
  }

  @Test
  void greedyTakesTheHighestLogitAndTheLowestIdOnATie() {
    Sampler s = new Sampler(SamplingParams.greedy(1));
    assertThat(s.next(new float[] {0, 3, 1, 3, -2}, 0, 5)).isEqualTo(1);
    assertThat(s.next(new float[] {9, 1, 2, 7}, 1, 3)).isEqualTo(2);
  }

  @Test
  void aTinyNucleusIsTheMostLikelyToken() {
    Sampler s = new Sampler(params(1.5, 1e-9, 3));
    for (int i = 0; i < 50; i++) {
      assertThat(s.next(new float[] {0.1f, 0.4f, 0.4f, 0.2f}, 0, 4)).isEqualTo(1);
    }
  }

  @Test
  void drawsFollowTheSpecifiedProcedure() {
    float[] logits = {1.0f, 2.0f, 0.5f, 2.0f, -1.0f};
    double t = 0.7;
    double topP = 0.9;
    Sampler s = new Sampler(params(t, topP, 99));
    SplittableRandom rng = new SplittableRandom(99);
    for (int i = 0; i < 200; i++) {
      assertThat(s.next(logits, 0, logits.length)).isEqualTo(expected(logits, t, topP, rng));
    }
  }

  @Test
  void frequenciesMatchTheSoftmax() {
    float[] logits = {0f, 1f, 2f};
    Sampler s = new Sampler(params(1, 1, 5));
    int[] counts = new int[3];
    int n = 30_000;
    for (int i = 0; i < n; i++) {
      counts[s.next(logits, 0, 3)]++;
    }
    double z = 1 + Math.E + Math.exp(2);
    assertThat(counts[2] / (double) n)
        .isCloseTo(Math.exp(2) / z, org.assertj.core.data.Offset.offset(0.01));
    assertThat(counts[0] / (double) n).isCloseTo(1 / z, org.assertj.core.data.Offset.offset(0.01));
  }

  @Test
  void equalProbabilitiesAreOrderedByIdWithManyTokens() {
    // 1000 equal logits: the nucleus of 0.5 is ids 0..499 in id order, so draws stay below 500
    float[] logits = new float[1000];
    Sampler s = new Sampler(params(1, 0.5, 8));
    for (int i = 0; i < 300; i++) {
      assertThat(s.next(logits, 0, 1000)).isLessThan(500);
    }
  }

  /** The javadoc's procedure written out plainly, with a boxed sort. */
  private static int expected(float[] logits, double t, double topP, SplittableRandom rng) {
    int v = logits.length;
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l / t);
    }
    double[] p = new double[v];
    double sum = 0;
    for (int i = 0; i < v; i++) {
      p[i] = Math.exp(logits[i] / t - max);
      sum += p[i];
    }
    Integer[] ids = new Integer[v];
    for (int i = 0; i < v; i++) {
      p[i] /= sum;
      ids[i] = i;
    }
    java.util.Arrays.sort(
        ids, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
    double cum = 0;
    int k = 0;
    while (k < v) {
      cum += p[ids[k++]];
      if (cum >= topP) {
        break;
      }
    }
    double u = rng.nextDouble() * cum;
    double run = 0;
    for (int r = 0; r < k; r++) {
      run += p[ids[r]];
      if (run > u) {
        return ids[r];
      }
    }
    return ids[k - 1];
  }
}
