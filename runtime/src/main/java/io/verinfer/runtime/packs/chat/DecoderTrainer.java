package io.verinfer.runtime.packs.chat;

import io.verinfer.runtime.textgen.DecoderConfig;
import io.verinfer.runtime.textgen.DecoderWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Trains a {@link DecoderWeights} decoder: the forward pass of exactly the computation its javadoc
 * specifies, a hand-written backward pass, AdamW with global-norm clipping.
 *
 * <p>Deterministic: every batch is split into {@link #SHARDS} fixed halves whatever the number of
 * threads, each half accumulates its gradient sequentially in its own buffer, and the halves are
 * added in order; transcendental functions are {@link StrictMath}'s. Java float arithmetic is
 * IEEE-754 strict (no fused multiply-add unless asked), so the same recipe gives the same weight
 * bytes on any machine.
 *
 * <p>Matrix loops are written as {@code y[j] += a * w[j]} over contiguous rows (the JIT vectorises
 * them without changing any result); the backward pass multiplies by transposed copies of the
 * weights made once per step.
 */
public final class DecoderTrainer implements AutoCloseable {
  /** Fixed number of batch parts, so results never depend on the thread count. */
  public static final int SHARDS = 2;

  private static final float GELU_C = (float) StrictMath.sqrt(2.0 / StrictMath.PI);

  /**
   * One training sequence: token ids and the index of the first token the loss counts (every later
   * token is predicted from the ones before it; earlier ones are context only).
   */
  public record Sequence(int[] tokens, int lossFrom) {
    public Sequence {
      tokens = tokens.clone();
      if (tokens.length < 2) {
        throw new IllegalArgumentException("a sequence needs >= 2 tokens, got " + tokens.length);
      }
      if (lossFrom < 1 || lossFrom >= tokens.length) {
        throw new IllegalArgumentException(
            "lossFrom must be in [1, " + (tokens.length - 1) + "], got " + lossFrom);
      }
    }

    @Override
    public int[] tokens() {
      return tokens.clone();
    }

    int length() {
      return tokens.length;
    }

    int token(int i) {
      return tokens[i];
    }

    /** Tokens the loss counts. */
    public int targets() {
      return tokens.length - lossFrom;
    }
  }

  /** AdamW and schedule settings for one {@link #step}. */
  public record Optimizer(
      float beta1, float beta2, float epsilon, float weightDecay, float clipNorm) {
    public Optimizer {
      if (!(beta1 >= 0 && beta1 < 1)) {
        throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
      }
      if (!(beta2 >= 0 && beta2 < 1)) {
        throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
      }
      if (!(epsilon > 0)) {
        throw new IllegalArgumentException("epsilon must be > 0, got " + epsilon);
      }
      if (!(weightDecay >= 0)) {
        throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
      }
      if (!(clipNorm > 0)) {
        throw new IllegalArgumentException("clipNorm must be > 0, got " + clipNorm);
      }
    }
  }

  /** What one step did: mean loss over the counted tokens, gradient norm before clipping. */
  public record StepResult(double loss, double gradNorm, int tokens, int targets) {}

  private final DecoderConfig c;
  private final DecoderWeights w;
  private final DecoderWeights m1;
  private final DecoderWeights m2;
  private final boolean[] decays;
  private final Workspace[] shards;
  private final ExecutorService pool;
  private final Transposes t;
  private long steps;

  /**
   * Trains {@code weights} in place with {@code threads} (1 or 2) worker threads; the result does
   * not depend on {@code threads}.
   */
  public DecoderTrainer(DecoderWeights weights, int threads) {
    this.w = Objects.requireNonNull(weights, "weights");
    if (threads < 1 || threads > SHARDS) {
      throw new IllegalArgumentException("threads must be in [1, " + SHARDS + "], got " + threads);
    }
    this.c = weights.config;
    this.m1 = new DecoderWeights(c);
    this.m2 = new DecoderWeights(c);
    float[][] arrays = w.arrays();
    decays = new boolean[arrays.length];
    for (int i = 0; i < arrays.length; i++) {
      decays[i] = isMatrix(w, arrays[i]);
    }
    shards = new Workspace[SHARDS];
    for (int i = 0; i < SHARDS; i++) {
      shards[i] = new Workspace(c, c.contextLength());
    }
    t = new Transposes(c);
    pool =
        threads == 1
            ? null
            : Executors.newFixedThreadPool(threads, Thread.ofPlatform().daemon().factory());
  }

  private static boolean isMatrix(DecoderWeights w, float[] a) {
    if (a == w.tokenEmbedding || a == w.positionEmbedding) {
      return true;
    }
    for (DecoderWeights.Layer l : w.layers) {
      if (a == l.wq || a == l.wk || a == l.wv || a == l.wo || a == l.w1 || a == l.w2) {
        return true;
      }
    }
    return false;
  }

  /**
   * GPT-2 initialisation from {@code seed}: matrices and embeddings N(0, 0.02), the two residual
   * projections of each block N(0, 0.02/sqrt(2·layers)), gains 1, biases 0.
   */
  public static DecoderWeights initialise(DecoderConfig config, long seed) {
    DecoderWeights w = new DecoderWeights(config);
    Random r = new Random(seed);
    float residual = (float) (0.02 / StrictMath.sqrt(2.0 * config.layers()));
    gaussian(r, w.tokenEmbedding, 0.02f);
    gaussian(r, w.positionEmbedding, 0.02f);
    for (DecoderWeights.Layer l : w.layers) {
      java.util.Arrays.fill(l.ln1Gain, 1f);
      java.util.Arrays.fill(l.ln2Gain, 1f);
      gaussian(r, l.wq, 0.02f);
      gaussian(r, l.wk, 0.02f);
      gaussian(r, l.wv, 0.02f);
      gaussian(r, l.wo, residual);
      gaussian(r, l.w1, 0.02f);
      gaussian(r, l.w2, residual);
    }
    java.util.Arrays.fill(w.finalGain, 1f);
    return w;
  }

  private static void gaussian(Random r, float[] a, float std) {
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) (r.nextGaussian() * std);
    }
  }

  public DecoderWeights weights() {
    return w;
  }

  /**
   * Computes the mean loss and gradient of {@code batch} without changing the weights; the gradient
   * is left in {@link #gradient()}. Used by {@link #step} and by gradient checks.
   */
  public StepResult lossAndGradient(List<Sequence> batch) {
    if (batch.isEmpty()) {
      throw new IllegalArgumentException("batch is empty");
    }
    int targets = 0;
    int tokens = 0;
    for (Sequence s : batch) {
      if (s.length() > c.contextLength()) {
        throw new IllegalArgumentException(
            "a sequence has " + s.length() + " tokens; contextLength is " + c.contextLength());
      }
      targets += s.targets();
      tokens += s.length();
    }
    t.refresh(w);
    float scale = 1f / targets;
    List<Future<?>> running = new ArrayList<>();
    for (int i = 0; i < SHARDS; i++) {
      Workspace ws = shards[i];
      List<Sequence> part =
          batch.subList(i * batch.size() / SHARDS, (i + 1) * batch.size() / SHARDS);
      Runnable job = () -> ws.run(w, t, part, scale);
      if (pool == null) {
        job.run();
      } else {
        running.add(pool.submit(job));
      }
    }
    for (Future<?> f : running) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while training", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("a training worker failed", e.getCause());
      }
    }
    float[][] g0 = shards[0].grad.arrays();
    double loss = 0;
    double norm = 0;
    for (int s = 0; s < SHARDS; s++) {
      loss += shards[s].lossSum;
    }
    for (int s = 1; s < SHARDS; s++) {
      float[][] gs = shards[s].grad.arrays();
      for (int a = 0; a < g0.length; a++) {
        float[] x = g0[a];
        float[] y = gs[a];
        for (int j = 0; j < x.length; j++) {
          x[j] += y[j];
        }
      }
    }
    for (float[] g : g0) {
      for (float v : g) {
        norm += (double) v * v;
      }
    }
    return new StepResult(loss / targets, StrictMath.sqrt(norm), tokens, targets);
  }

  /** The gradient of the last {@link #lossAndGradient} call, shaped like the weights. */
  public DecoderWeights gradient() {
    return shards[0].grad;
  }

  /** One AdamW step on {@code batch} at learning rate {@code lr}. */
  public StepResult step(List<Sequence> batch, float lr, Optimizer opt) {
    StepResult r = lossAndGradient(batch);
    steps++;
    float clip = r.gradNorm() > opt.clipNorm() ? (float) (opt.clipNorm() / r.gradNorm()) : 1f;
    float b1 = opt.beta1();
    float b2 = opt.beta2();
    float c1 = (float) (1 - StrictMath.pow(b1, steps));
    float c2 = (float) (1 - StrictMath.pow(b2, steps));
    float[][] ps = w.arrays();
    float[][] gs = shards[0].grad.arrays();
    float[][] ms = m1.arrays();
    float[][] vs = m2.arrays();
    for (int a = 0; a < ps.length; a++) {
      float[] p = ps[a];
      float[] g = gs[a];
      float[] m = ms[a];
      float[] v = vs[a];
      float decay = decays[a] ? lr * opt.weightDecay() : 0f;
      for (int j = 0; j < p.length; j++) {
        float gj = g[j] * clip;
        m[j] = b1 * m[j] + (1 - b1) * gj;
        v[j] = b2 * v[j] + (1 - b2) * gj * gj;
        float mh = m[j] / c1;
        float vh = v[j] / c2;
        p[j] -= lr * mh / ((float) Math.sqrt(vh) + opt.epsilon()) + decay * p[j];
      }
    }
    return r;
  }

  /** Mean loss of {@code batch} under the current weights (no gradient kept). */
  public double loss(List<Sequence> batch) {
    return lossAndGradient(batch).loss();
  }

  /**
   * The logits of the token after {@code tokens[0..n)}: a full forward pass over the prefix (no
   * cache). Not thread-safe with training.
   */
  public float[] nextLogits(int[] tokens, int n) {
    if (n < 1 || n > c.contextLength()) {
      throw new IllegalArgumentException("n must be in [1, " + c.contextLength() + "], got " + n);
    }
    Workspace ws = shards[0];
    ws.forward(w, tokens, n);
    float[] logits = new float[c.vocabSize()];
    t.refreshHead(w);
    ws.logits(t, (n - 1) * c.width(), logits);
    return logits;
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }

  /** Transposed copies of the weights for the backward pass and the output head. */
  private static final class Transposes {
    final float[] embT;
    final float[][] wqT;
    final float[][] wkT;
    final float[][] wvT;
    final float[][] woT;
    final float[][] w1T;
    final float[][] w2T;
    final int d;
    final int mw;
    final int vocab;

    Transposes(DecoderConfig c) {
      d = c.width();
      mw = c.mlpWidth();
      vocab = c.vocabSize();
      embT = new float[vocab * d];
      int n = c.layers();
      wqT = new float[n][d * d];
      wkT = new float[n][d * d];
      wvT = new float[n][d * d];
      woT = new float[n][d * d];
      w1T = new float[n][d * mw];
      w2T = new float[n][d * mw];
    }

    void refreshHead(DecoderWeights w) {
      transpose(w.tokenEmbedding, vocab, d, embT);
    }

    void refresh(DecoderWeights w) {
      refreshHead(w);
      for (int l = 0; l < w.layers.length; l++) {
        DecoderWeights.Layer p = w.layers[l];
        transpose(p.wq, d, d, wqT[l]);
        transpose(p.wk, d, d, wkT[l]);
        transpose(p.wv, d, d, wvT[l]);
        transpose(p.wo, d, d, woT[l]);
        transpose(p.w1, d, mw, w1T[l]);
        transpose(p.w2, mw, d, w2T[l]);
      }
    }

    private static void transpose(float[] a, int rows, int cols, float[] out) {
      for (int r = 0; r < rows; r++) {
        for (int k = 0; k < cols; k++) {
          out[k * rows + r] = a[r * cols + k];
        }
      }
    }
  }

  /** One shard's activations, scratch buffers and gradient; reused for every step. */
  private static final class Workspace {
    final DecoderConfig c;
    final int cap;
    final int d;
    final int mw;
    final int heads;
    final int hw;
    final int vocab;
    final float[][] x; // residual stream entering each layer, and the last one: [layers+1][cap*d]
    final float[][] a; // LN1 output
    final float[][] q;
    final float[][] k;
    final float[][] v;
    final float[][] att; // softmax probabilities [heads][cap][cap]
    final float[][] o; // concatenated head outputs
    final float[][] mid; // residual after attention
    final float[][] mIn; // LN2 output
    final float[][] u; // MLP pre-activation
    final float[][] g; // GELU(u)
    final float[][] th; // the tanh inside GELU(u), kept for the backward pass
    final float[][] mean1;
    final float[][] rstd1;
    final float[][] mean2;
    final float[][] rstd2;
    final float[] hf;
    final float[] meanF;
    final float[] rstdF;
    final float[] tmp;
    final float[] logits;
    final float[] dh;
    final float[] dMid;
    final float[] dIn; // gradient into an LN's output
    final float[] dU; // cap*mw
    final float[] dG;
    final float[] dQ;
    final float[] dK;
    final float[] dV;
    final float[] dO;
    final float[] dP;
    final DecoderWeights grad;
    double lossSum;

    Workspace(DecoderConfig c, int cap) {
      this.c = c;
      this.cap = cap;
      d = c.width();
      mw = c.mlpWidth();
      heads = c.heads();
      hw = c.headWidth();
      vocab = c.vocabSize();
      int n = c.layers();
      x = new float[n + 1][cap * d];
      a = new float[n][cap * d];
      q = new float[n][cap * d];
      k = new float[n][cap * d];
      v = new float[n][cap * d];
      att = new float[n][heads * cap * cap];
      o = new float[n][cap * d];
      mid = new float[n][cap * d];
      mIn = new float[n][cap * d];
      u = new float[n][cap * mw];
      g = new float[n][cap * mw];
      th = new float[n][cap * mw];
      mean1 = new float[n][cap];
      rstd1 = new float[n][cap];
      mean2 = new float[n][cap];
      rstd2 = new float[n][cap];
      hf = new float[cap * d];
      meanF = new float[cap];
      rstdF = new float[cap];
      tmp = new float[cap * Math.max(d, mw)];
      logits = new float[vocab];
      dh = new float[cap * d];
      dMid = new float[cap * d];
      dIn = new float[cap * d];
      dU = new float[cap * mw];
      dG = new float[cap * mw];
      dQ = new float[cap * d];
      dK = new float[cap * d];
      dV = new float[cap * d];
      dO = new float[cap * d];
      dP = new float[cap];
      grad = new DecoderWeights(c);
    }

    void run(DecoderWeights w, Transposes t, List<Sequence> part, float scale) {
      for (float[] gArr : grad.arrays()) {
        java.util.Arrays.fill(gArr, 0f);
      }
      lossSum = 0;
      for (Sequence s : part) {
        forward(w, s.tokens, s.length());
        backward(w, t, s, scale);
      }
    }

    void forward(DecoderWeights w, int[] tok, int n) {
      float[] x0 = x[0];
      for (int i = 0; i < n; i++) {
        int te = tok[i] * d;
        int pe = i * d;
        for (int j = 0; j < d; j++) {
          x0[pe + j] = w.tokenEmbedding[te + j] + w.positionEmbedding[pe + j];
        }
      }
      float scale = (float) (1.0 / StrictMath.sqrt(hw));
      for (int l = 0; l < w.layers.length; l++) {
        DecoderWeights.Layer p = w.layers[l];
        float[] xl = x[l];
        layerNorm(xl, n, p.ln1Gain, p.ln1Bias, a[l], mean1[l], rstd1[l]);
        linear(a[l], n, d, p.wq, p.bq, d, q[l]);
        linear(a[l], n, d, p.wk, p.bk, d, k[l]);
        linear(a[l], n, d, p.wv, p.bv, d, v[l]);
        float[] ql = q[l];
        float[] kl = k[l];
        float[] vl = v[l];
        float[] al = att[l];
        float[] ol = o[l];
        java.util.Arrays.fill(ol, 0, n * d, 0f);
        for (int h = 0; h < heads; h++) {
          int ho = h * hw;
          for (int i = 0; i < n; i++) {
            int row = (h * cap + i) * cap;
            int qi = i * d + ho;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j <= i; j++) {
              int kj = j * d + ho;
              float s = 0;
              for (int e = 0; e < hw; e++) {
                s += ql[qi + e] * kl[kj + e];
              }
              s *= scale;
              al[row + j] = s;
              if (s > max) {
                max = s;
              }
            }
            double sum = 0;
            for (int j = 0; j <= i; j++) {
              float ex = (float) StrictMath.exp(al[row + j] - max);
              al[row + j] = ex;
              sum += ex;
            }
            float inv = (float) (1.0 / sum);
            for (int j = 0; j <= i; j++) {
              float pj = al[row + j] * inv;
              al[row + j] = pj;
              int vj = j * d + ho;
              for (int e = 0; e < hw; e++) {
                ol[qi + e] += pj * vl[vj + e];
              }
            }
          }
        }
        linear(ol, n, d, p.wo, p.bo, d, tmp);
        float[] ml = mid[l];
        for (int i = 0; i < n * d; i++) {
          ml[i] = xl[i] + tmp[i];
        }
        layerNorm(ml, n, p.ln2Gain, p.ln2Bias, mIn[l], mean2[l], rstd2[l]);
        linear(mIn[l], n, d, p.w1, p.b1, mw, u[l]);
        float[] ul = u[l];
        float[] gl = g[l];
        float[] tl = th[l];
        for (int i = 0; i < n * mw; i++) {
          float z = ul[i];
          float t = (float) StrictMath.tanh(GELU_C * (z + 0.044715f * z * z * z));
          tl[i] = t;
          gl[i] = 0.5f * z * (1f + t);
        }
        linear(gl, n, mw, p.w2, p.b2, d, tmp);
        float[] next = x[l + 1];
        for (int i = 0; i < n * d; i++) {
          next[i] = ml[i] + tmp[i];
        }
      }
      layerNorm(x[w.layers.length], n, w.finalGain, w.finalBias, hf, meanF, rstdF);
    }

    /** Logits of the final hidden row at {@code off} into {@code out}. */
    void logits(Transposes t, int off, float[] out) {
      java.util.Arrays.fill(out, 0f);
      for (int e = 0; e < d; e++) {
        float he = hf[off + e];
        int r = e * vocab;
        for (int j = 0; j < vocab; j++) {
          out[j] += he * t.embT[r + j];
        }
      }
    }

    void backward(DecoderWeights w, Transposes t, Sequence s, float scale) {
      int n = s.length();
      float[] dTok = grad.tokenEmbedding;
      java.util.Arrays.fill(dh, 0, n * d, 0f);
      // Output head and cross-entropy, only where the loss counts: position i predicts i + 1.
      for (int i = s.lossFrom - 1; i < n - 1; i++) {
        int off = i * d;
        logits(t, off, logits);
        float max = Float.NEGATIVE_INFINITY;
        for (float z : logits) {
          max = Math.max(max, z);
        }
        double sum = 0;
        for (int j = 0; j < vocab; j++) {
          float ex = (float) StrictMath.exp(logits[j] - max);
          logits[j] = ex;
          sum += ex;
        }
        int target = s.token(i + 1);
        lossSum -= StrictMath.log(logits[target] / sum);
        float inv = (float) (1.0 / sum);
        for (int j = 0; j < vocab; j++) {
          float dl = logits[j] * inv;
          if (j == target) {
            dl -= 1f;
          }
          dl *= scale;
          int r = j * d;
          for (int e = 0; e < d; e++) {
            dh[off + e] += dl * w.tokenEmbedding[r + e];
            dTok[r + e] += dl * hf[off + e];
          }
        }
      }
      // dh holds d(loss)/d(hf); through the final LayerNorm.
      layerNormBack(
          x[w.layers.length],
          n,
          w.finalGain,
          meanF,
          rstdF,
          dh,
          grad.finalGain,
          grad.finalBias,
          dIn);
      System.arraycopy(dIn, 0, dh, 0, n * d);
      float scaleAtt = (float) (1.0 / StrictMath.sqrt(hw));
      for (int l = w.layers.length - 1; l >= 0; l--) {
        DecoderWeights.Layer p = w.layers[l];
        DecoderWeights.Layer gp = grad.layers[l];
        // MLP: x[l+1] = mid + GELU(mIn·w1 + b1)·w2 + b2
        accumulate(g[l], n, mw, dh, d, gp.w2, gp.b2);
        linearNoBias(dh, n, d, t.w2T[l], mw, dG);
        float[] ul = u[l];
        float[] tl = th[l];
        for (int i = 0; i < n * mw; i++) {
          float z = ul[i];
          float t1 = tl[i];
          float deriv =
              0.5f * (1f + t1) + 0.5f * z * (1f - t1 * t1) * GELU_C * (1f + 3f * 0.044715f * z * z);
          dU[i] = dG[i] * deriv;
        }
        accumulate(mIn[l], n, d, dU, mw, gp.w1, gp.b1);
        linearNoBias(dU, n, mw, t.w1T[l], d, tmp);
        layerNormBack(mid[l], n, p.ln2Gain, mean2[l], rstd2[l], tmp, gp.ln2Gain, gp.ln2Bias, dIn);
        for (int i = 0; i < n * d; i++) {
          dMid[i] = dh[i] + dIn[i];
        }
        // Attention: mid = x + o·wo + bo
        accumulate(o[l], n, d, dMid, d, gp.wo, gp.bo);
        linearNoBias(dMid, n, d, t.woT[l], d, dO);
        java.util.Arrays.fill(dQ, 0, n * d, 0f);
        java.util.Arrays.fill(dK, 0, n * d, 0f);
        java.util.Arrays.fill(dV, 0, n * d, 0f);
        float[] ql = q[l];
        float[] kl = k[l];
        float[] vl = v[l];
        float[] al = att[l];
        for (int h = 0; h < heads; h++) {
          int ho = h * hw;
          for (int i = 0; i < n; i++) {
            int row = (h * cap + i) * cap;
            int oi = i * d + ho;
            float dot = 0;
            for (int j = 0; j <= i; j++) {
              int vj = j * d + ho;
              float pj = al[row + j];
              float s2 = 0;
              for (int e = 0; e < hw; e++) {
                s2 += dO[oi + e] * vl[vj + e];
                dV[vj + e] += pj * dO[oi + e];
              }
              dP[j] = s2;
              dot += pj * s2;
            }
            for (int j = 0; j <= i; j++) {
              float ds = al[row + j] * (dP[j] - dot) * scaleAtt;
              int kj = j * d + ho;
              for (int e = 0; e < hw; e++) {
                dQ[oi + e] += ds * kl[kj + e];
                dK[kj + e] += ds * ql[oi + e];
              }
            }
          }
        }
        accumulate(a[l], n, d, dQ, d, gp.wq, gp.bq);
        accumulate(a[l], n, d, dK, d, gp.wk, gp.bk);
        accumulate(a[l], n, d, dV, d, gp.wv, gp.bv);
        linearNoBias(dQ, n, d, t.wqT[l], d, tmp);
        linearAdd(dK, n, d, t.wkT[l], d, tmp);
        linearAdd(dV, n, d, t.wvT[l], d, tmp);
        layerNormBack(x[l], n, p.ln1Gain, mean1[l], rstd1[l], tmp, gp.ln1Gain, gp.ln1Bias, dIn);
        for (int i = 0; i < n * d; i++) {
          dh[i] = dMid[i] + dIn[i];
        }
      }
      float[] dPos = grad.positionEmbedding;
      for (int i = 0; i < n; i++) {
        int te = s.token(i) * d;
        int pe = i * d;
        for (int j = 0; j < d; j++) {
          dTok[te + j] += dh[pe + j];
          dPos[pe + j] += dh[pe + j];
        }
      }
    }

    private void layerNorm(
        float[] in, int n, float[] gain, float[] bias, float[] out, float[] mean, float[] rstd) {
      for (int i = 0; i < n; i++) {
        int off = i * d;
        double sum = 0;
        for (int j = 0; j < d; j++) {
          sum += in[off + j];
        }
        float mu = (float) (sum / d);
        double var = 0;
        for (int j = 0; j < d; j++) {
          float z = in[off + j] - mu;
          var += z * z;
        }
        float rs = (float) (1.0 / StrictMath.sqrt(var / d + 1e-5));
        mean[i] = mu;
        rstd[i] = rs;
        for (int j = 0; j < d; j++) {
          out[off + j] = (in[off + j] - mu) * rs * gain[j] + bias[j];
        }
      }
    }

    private void layerNormBack(
        float[] in,
        int n,
        float[] gain,
        float[] mean,
        float[] rstd,
        float[] dOut,
        float[] dGain,
        float[] dBias,
        float[] dInOut) {
      for (int i = 0; i < n; i++) {
        int off = i * d;
        float mu = mean[i];
        float rs = rstd[i];
        float sum1 = 0;
        float sum2 = 0;
        for (int j = 0; j < d; j++) {
          float xh = (in[off + j] - mu) * rs;
          float dy = dOut[off + j];
          float dx = dy * gain[j];
          dGain[j] += dy * xh;
          dBias[j] += dy;
          sum1 += dx;
          sum2 += dx * xh;
        }
        sum1 /= d;
        sum2 /= d;
        for (int j = 0; j < d; j++) {
          float xh = (in[off + j] - mu) * rs;
          dInOut[off + j] = rs * (dOut[off + j] * gain[j] - sum1 - xh * sum2);
        }
      }
    }

    /** {@code out[n][nOut] = in[n][nIn] · w[nIn][nOut] + b}. */
    private static void linear(
        float[] in, int n, int nIn, float[] wt, float[] b, int nOut, float[] out) {
      for (int i = 0; i < n; i++) {
        System.arraycopy(b, 0, out, i * nOut, nOut);
      }
      linearAdd(in, n, nIn, wt, nOut, out);
    }

    private static void linearNoBias(
        float[] in, int n, int nIn, float[] wt, int nOut, float[] out) {
      java.util.Arrays.fill(out, 0, n * nOut, 0f);
      linearAdd(in, n, nIn, wt, nOut, out);
    }

    /**
     * {@code out += in · w}, four rows at a time so each weight row is read once per four tokens;
     * every output element still sums over {@code k} in increasing order.
     */
    private static void linearAdd(float[] in, int n, int nIn, float[] wt, int nOut, float[] out) {
      int i = 0;
      for (; i + 4 <= n; i += 4) {
        int o0 = i * nOut;
        int o1 = o0 + nOut;
        int o2 = o1 + nOut;
        int o3 = o2 + nOut;
        int io = i * nIn;
        for (int kk = 0; kk < nIn; kk++) {
          float a0 = in[io + kk];
          float a1 = in[io + nIn + kk];
          float a2 = in[io + 2 * nIn + kk];
          float a3 = in[io + 3 * nIn + kk];
          int r = kk * nOut;
          for (int j = 0; j < nOut; j++) {
            float wv = wt[r + j];
            out[o0 + j] += a0 * wv;
            out[o1 + j] += a1 * wv;
            out[o2 + j] += a2 * wv;
            out[o3 + j] += a3 * wv;
          }
        }
      }
      for (; i < n; i++) {
        int o = i * nOut;
        int io = i * nIn;
        for (int kk = 0; kk < nIn; kk++) {
          float av = in[io + kk];
          int r = kk * nOut;
          for (int j = 0; j < nOut; j++) {
            out[o + j] += av * wt[r + j];
          }
        }
      }
    }

    /**
     * {@code dW += inᵀ · dOut}, {@code db += Σ dOut}: one weight row at a time (it stays in cache)
     * over all tokens in order.
     */
    private static void accumulate(
        float[] in, int n, int nIn, float[] dOut, int nOut, float[] dW, float[] db) {
      for (int i = 0; i < n; i++) {
        int o = i * nOut;
        for (int j = 0; j < nOut; j++) {
          db[j] += dOut[o + j];
        }
      }
      for (int kk = 0; kk < nIn; kk++) {
        int r = kk * nOut;
        for (int i = 0; i < n; i++) {
          float av = in[i * nIn + kk];
          int o = i * nOut;
          for (int j = 0; j < nOut; j++) {
            dW[r + j] += av * dOut[o + j];
          }
        }
      }
    }
  }
}
