package io.verinfer.runtime.textgen;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The parameters of a {@link DecoderConfig} decoder, float32, every matrix row-major as {@code
 * [in][out]} (so {@code y = x · W + b}). The computation, for token ids {@code t_0..t_{n-1}} at
 * positions {@code p_0..p_{n-1}}:
 *
 * <pre>
 * h = tokenEmbedding[t] + positionEmbedding[p]                       (d = width)
 * for each layer:
 *   a = LayerNorm(h; ln1Gain, ln1Bias)                              (eps 1e-5, biased variance)
 *   q = a·wq + bq, k = a·wk + bk, v = a·wv + bv                       (split into heads of d/heads)
 *   per head: s = q·kᵀ / sqrt(d/heads), causal (a position sees itself and earlier ones),
 *             softmax over the keys, o = s·v; heads concatenated in order
 *   h = h + (o·wo + bo)
 *   m = LayerNorm(h; ln2Gain, ln2Bias)
 *   h = h + (GELU(m·w1 + b1)·w2 + b2)     GELU(x) = 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³)))
 * logits = LayerNorm(h; finalGain, finalBias) · tokenEmbeddingᵀ        (the output head is tied)
 * </pre>
 *
 * <p>The binary form ({@link #write}/{@link #read}) is {@code "VDW1"}, the six config ints
 * (vocabSize, contextLength, layers, heads, width, mlpWidth) as little-endian int32, then every
 * array above as little-endian float32 in the order of the fields below (layer by layer). The same
 * weights always give the same bytes.
 */
public final class DecoderWeights {
  private static final int MAGIC = 0x31574456; // "VDW1" read little-endian

  /** One transformer block's parameters. */
  public static final class Layer {
    public final float[] ln1Gain;
    public final float[] ln1Bias;
    public final float[] wq;
    public final float[] bq;
    public final float[] wk;
    public final float[] bk;
    public final float[] wv;
    public final float[] bv;
    public final float[] wo;
    public final float[] bo;
    public final float[] ln2Gain;
    public final float[] ln2Bias;
    public final float[] w1;
    public final float[] b1;
    public final float[] w2;
    public final float[] b2;

    Layer(DecoderConfig c) {
      int d = c.width();
      int m = c.mlpWidth();
      ln1Gain = new float[d];
      ln1Bias = new float[d];
      wq = new float[d * d];
      bq = new float[d];
      wk = new float[d * d];
      bk = new float[d];
      wv = new float[d * d];
      bv = new float[d];
      wo = new float[d * d];
      bo = new float[d];
      ln2Gain = new float[d];
      ln2Bias = new float[d];
      w1 = new float[d * m];
      b1 = new float[m];
      w2 = new float[m * d];
      b2 = new float[d];
    }

    float[][] arrays() {
      return new float[][] {
        ln1Gain, ln1Bias, wq, bq, wk, bk, wv, bv, wo, bo, ln2Gain, ln2Bias, w1, b1, w2, b2
      };
    }
  }

  public final DecoderConfig config;
  public final float[] tokenEmbedding;
  public final float[] positionEmbedding;
  public final Layer[] layers;
  public final float[] finalGain;
  public final float[] finalBias;

  /** Zero-filled weights of {@code config}'s shape (gains zero too: callers initialise). */
  public DecoderWeights(DecoderConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    tokenEmbedding = new float[config.vocabSize() * config.width()];
    positionEmbedding = new float[config.contextLength() * config.width()];
    layers = new Layer[config.layers()];
    for (int i = 0; i < layers.length; i++) {
      layers[i] = new Layer(config);
    }
    finalGain = new float[config.width()];
    finalBias = new float[config.width()];
  }

  /** Every array in the binary order: embeddings, each layer's 16, the final norm's two. */
  public float[][] arrays() {
    float[][] all = new float[2 + 16 * layers.length + 2][];
    int i = 0;
    all[i++] = tokenEmbedding;
    all[i++] = positionEmbedding;
    for (Layer layer : layers) {
      for (float[] a : layer.arrays()) {
        all[i++] = a;
      }
    }
    all[i++] = finalGain;
    all[i] = finalBias;
    return all;
  }

  public void write(OutputStream out) {
    try {
      DataOutputStream data = new DataOutputStream(out);
      ByteBuffer header = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
      header.putInt(MAGIC);
      header.putInt(config.vocabSize()).putInt(config.contextLength()).putInt(config.layers());
      header.putInt(config.heads()).putInt(config.width()).putInt(config.mlpWidth());
      data.write(header.array());
      for (float[] a : arrays()) {
        ByteBuffer buf = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(a);
        data.write(buf.array());
      }
      data.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write decoder weights", e);
    }
  }

  public static DecoderWeights read(InputStream in) {
    try {
      DataInputStream data = new DataInputStream(in);
      byte[] head = new byte[28];
      data.readFully(head);
      ByteBuffer header = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
      if (header.getInt() != MAGIC) {
        throw new IllegalArgumentException("not a VDW1 decoder weights file");
      }
      DecoderConfig config =
          new DecoderConfig(
              header.getInt(),
              header.getInt(),
              header.getInt(),
              header.getInt(),
              header.getInt(),
              header.getInt());
      DecoderWeights w = new DecoderWeights(config);
      for (float[] a : w.arrays()) {
        byte[] bytes = new byte[a.length * 4];
        data.readFully(bytes);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(a);
      }
      if (data.read() != -1) {
        throw new IllegalArgumentException("trailing bytes after the decoder weights");
      }
      return w;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read decoder weights", e);
    }
  }
}
