package io.verinfer.runtime.packs.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.runtime.textgen.DecoderConfig;
import io.verinfer.runtime.textgen.DecoderWeights;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DecoderTrainerTest {
  private static final DecoderConfig TINY = new DecoderConfig(23, 12, 2, 2, 8, 16);
  private static final DecoderTrainer.Optimizer ADAMW =
      new DecoderTrainer.Optimizer(0.9f, 0.95f, 1e-8f, 0.01f, 1.0f);

  private static List<DecoderTrainer.Sequence> batch(long seed, int count, int vocab, int maxLen) {
    Random r = new Random(seed);
    List<DecoderTrainer.Sequence> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int n = 3 + r.nextInt(maxLen - 2);
      int[] t = new int[n];
      for (int j = 0; j < n; j++) {
        t[j] = r.nextInt(vocab);
      }
      out.add(new DecoderTrainer.Sequence(t, 1 + r.nextInt(n - 1)));
    }
    return out;
  }

  /** Every parameter array: analytic gradient against central differences in double-ish float. */
  @Test
  void gradientMatchesFiniteDifferences() {
    DecoderWeights w = DecoderTrainer.initialise(TINY, 7);
    // Larger weights than the 0.02 init so every path carries a visible gradient.
    Random r = new Random(8);
    for (float[] a : w.arrays()) {
      for (int i = 0; i < a.length; i++) {
        a[i] += (float) (r.nextGaussian() * 0.3);
      }
    }
    List<DecoderTrainer.Sequence> b = batch(9, 3, TINY.vocabSize(), TINY.contextLength());
    try (DecoderTrainer t = new DecoderTrainer(w, 1)) {
      t.lossAndGradient(b);
      float[][] grads = t.gradient().arrays();
      float[][] gcopy = new float[grads.length][];
      for (int i = 0; i < grads.length; i++) {
        gcopy[i] = grads[i].clone();
      }
      float[][] params = w.arrays();
      int checked = 0;
      int large = 0;
      for (int a = 0; a < params.length; a++) {
        float[] p = params[a];
        for (int k = 0; k < Math.min(p.length, 6); k++) {
          int i = (k * 7919) % p.length;
          float orig = p[i];
          float h = 1e-2f;
          p[i] = orig + h;
          double up = t.loss(b);
          p[i] = orig - h;
          double down = t.loss(b);
          p[i] = orig;
          double numeric = (up - down) / (2 * h);
          double analytic = gcopy[a][i];
          assertThat(Math.abs(numeric - analytic))
              .as("array %d index %d: numeric %s analytic %s", a, i, numeric, analytic)
              .isLessThan(2e-3 + 2e-2 * Math.abs(numeric));
          checked++;
          if (Math.abs(analytic) > 2e-2) {
            large++;
          }
        }
      }
      assertThat(checked).isGreaterThan(100);
      // The check means something only if many gradients are well above the tolerance.
      assertThat(large).as("gradients above 2e-2").isGreaterThan(checked / 3);
    }
  }

  @Test
  void twoRunsGiveIdenticalBytesWhateverTheThreadCount() {
    assertThat(run(1, 6)).isEqualTo(run(2, 6));
    assertThat(run(2, 6)).isEqualTo(run(2, 6));
  }

  @Test
  void lossFallsOnATinyRun() {
    DecoderWeights w = DecoderTrainer.initialise(TINY, 1);
    List<DecoderTrainer.Sequence> b = batch(2, 8, TINY.vocabSize(), TINY.contextLength());
    try (DecoderTrainer t = new DecoderTrainer(w, 2)) {
      double first = t.loss(b);
      for (int s = 0; s < 60; s++) {
        t.step(b, 1e-2f, ADAMW);
      }
      assertThat(t.loss(b)).isLessThan(first * 0.5);
    }
  }

  private static byte[] run(int threads, int steps) {
    DecoderWeights w = DecoderTrainer.initialise(TINY, 3);
    try (DecoderTrainer t = new DecoderTrainer(w, threads)) {
      for (int s = 0; s < steps; s++) {
        t.step(batch(100 + s, 5, TINY.vocabSize(), TINY.contextLength()), 3e-3f, ADAMW);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    w.write(out);
    return out.toByteArray();
  }
}
