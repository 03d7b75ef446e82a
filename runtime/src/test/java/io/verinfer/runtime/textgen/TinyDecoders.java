package io.verinfer.runtime.textgen;

import java.util.SplittableRandom;

/**
 * Small seeded random decoders for tests, and a plain Java forward pass written straight from the
 * {@link DecoderWeights} javadoc (in double), the reference the ONNX export is checked against.
 */
final class TinyDecoders {
  private TinyDecoders() {}

  static DecoderWeights random(DecoderConfig c, long seed) {
    DecoderWeights w = new DecoderWeights(c);
    SplittableRandom rng = new SplittableRandom(seed);
    for (float[] a : w.arrays()) {
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) (rng.nextGaussian() * 0.3);
      }
    }
    // gains near 1, as a trained model has them
    for (DecoderWeights.Layer l : w.layers) {
      for (int i = 0; i < c.width(); i++) {
        l.ln1Gain[i] += 1;
        l.ln2Gain[i] += 1;
      }
    }
    for (int i = 0; i < c.width(); i++) {
      w.finalGain[i] += 1;
    }
    return w;
  }

  /** Logits [n][vocab] of tokens at positions 0..n-1, from the javadoc's formula. */
  static double[][] forward(DecoderWeights w, int[] tokens) {
    DecoderConfig c = w.config;
    int n = tokens.length;
    int d = c.width();
    int heads = c.heads();
    int dh = c.headWidth();
    double[][] h = new double[n][d];
    for (int t = 0; t < n; t++) {
      for (int j = 0; j < d; j++) {
        h[t][j] = w.tokenEmbedding[tokens[t] * d + j] + w.positionEmbedding[t * d + j];
      }
    }
    for (DecoderWeights.Layer l : w.layers) {
      double[][] a = layerNorm(h, l.ln1Gain, l.ln1Bias);
      double[][] q = affine(a, l.wq, l.bq, d);
      double[][] k = affine(a, l.wk, l.bk, d);
      double[][] v = affine(a, l.wv, l.bv, d);
      double[][] o = new double[n][d];
      for (int hd = 0; hd < heads; hd++) {
        int off = hd * dh;
        for (int t = 0; t < n; t++) {
          double[] s = new double[t + 1];
          double max = Double.NEGATIVE_INFINITY;
          for (int u = 0; u <= t; u++) {
            double dot = 0;
            for (int j = 0; j < dh; j++) {
              dot += q[t][off + j] * k[u][off + j];
            }
            s[u] = dot / Math.sqrt(dh);
            max = Math.max(max, s[u]);
          }
          double sum = 0;
          for (int u = 0; u <= t; u++) {
            s[u] = Math.exp(s[u] - max);
            sum += s[u];
          }
          for (int u = 0; u <= t; u++) {
            for (int j = 0; j < dh; j++) {
              o[t][off + j] += s[u] / sum * v[u][off + j];
            }
          }
        }
      }
      double[][] attn = affine(o, l.wo, l.bo, d);
      add(h, attn);
      double[][] m = layerNorm(h, l.ln2Gain, l.ln2Bias);
      double[][] up = affine(m, l.w1, l.b1, c.mlpWidth());
      for (double[] row : up) {
        for (int j = 0; j < row.length; j++) {
          double x = row[j];
          row[j] = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
        }
      }
      add(h, affine(up, l.w2, l.b2, d));
    }
    double[][] hf = layerNorm(h, w.finalGain, w.finalBias);
    double[][] logits = new double[n][c.vocabSize()];
    for (int t = 0; t < n; t++) {
      for (int x = 0; x < c.vocabSize(); x++) {
        double dot = 0;
        for (int j = 0; j < d; j++) {
          dot += hf[t][j] * w.tokenEmbedding[x * d + j];
        }
        logits[t][x] = dot;
      }
    }
    return logits;
  }

  private static double[][] layerNorm(double[][] x, float[] gain, float[] bias) {
    double[][] y = new double[x.length][];
    for (int t = 0; t < x.length; t++) {
      int d = x[t].length;
      double mean = 0;
      for (double v : x[t]) {
        mean += v;
      }
      mean /= d;
      double var = 0;
      for (double v : x[t]) {
        var += (v - mean) * (v - mean);
      }
      var /= d;
      y[t] = new double[d];
      for (int j = 0; j < d; j++) {
        y[t][j] = (x[t][j] - mean) / Math.sqrt(var + 1e-5) * gain[j] + bias[j];
      }
    }
    return y;
  }

  private static double[][] affine(double[][] x, float[] w, float[] b, int out) {
    double[][] y = new double[x.length][out];
    int in = x[0].length;
    for (int t = 0; t < x.length; t++) {
      for (int o = 0; o < out; o++) {
        double acc = b[o];
        for (int i = 0; i < in; i++) {
          acc += x[t][i] * w[i * out + o];
        }
        y[t][o] = acc;
      }
    }
    return y;
  }

  private static void add(double[][] h, double[][] x) {
    for (int t = 0; t < h.length; t++) {
      for (int j = 0; j < h[t].length; j++) {
        h[t][j] += x[t][j];
      }
    }
  }
}
