package io.verinfer.node.faults;

import io.verinfer.protocol.Tensor;
import io.verinfer.runtime.text.Embeddings;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Applies a {@link FaultInjection} to the node's answers: one seeded draw per answered call decides
 * whether its outputs are corrupted; the same seed and the same order of calls corrupt the same
 * calls. The endpoints corrupt after the model ran and before the output is hashed into the
 * receipt, so a corrupted answer is signed as it is returned.
 *
 * <p>A corrupted tensor differs from the original in every element, by more than any tolerance an
 * {@link io.verinfer.protocol.OutputComparator} accepts below 100% (1,000,000 ppm): a finite float
 * {@code x} becomes {@code -(x + copySign(1, x))} (opposite sign, at least 1 away), a NaN becomes
 * 1, an infinity NaN; an integer has every bit flipped ({@code ~x}: a signed one changes sign, so
 * even an INT64 beyond 2^53, which the comparator reads as a double, compares unequal), a boolean
 * is flipped. A tensor with no elements stays as it is. Safe for concurrent use.
 */
public final class OutputCorruptor {
  private final FaultInjection settings;
  private final SplittableRandom random; // guarded by this
  private final AtomicLong injected = new AtomicLong();

  public OutputCorruptor(FaultInjection settings) {
    this.settings = settings;
    this.random = new SplittableRandom(settings.seed());
  }

  /** Corrupts nothing. */
  public static OutputCorruptor none() {
    return new OutputCorruptor(FaultInjection.none());
  }

  public FaultInjection settings() {
    return settings;
  }

  /** How many answers were corrupted so far. */
  public long injected() {
    return injected.get();
  }

  /**
   * The draw of one answered call: whether to corrupt it. Each call takes the next draw in order;
   * with {@code corruptFraction} 0 nothing is drawn.
   */
  public boolean draw() {
    if (!settings.active()) {
      return false;
    }
    boolean corrupt;
    synchronized (this) {
      corrupt = random.nextDouble() < settings.corruptFraction();
    }
    if (corrupt) {
      injected.incrementAndGet();
    }
    return corrupt;
  }

  /**
   * The token ids a corrupting text stream sends and commits in place of {@code tokens}: each id
   * {@code t} becomes {@code (t + 1) mod vocabSize}, another valid id of the vocabulary, so every
   * corrupted token differs from what the model generated (a stream takes one {@link #draw()}).
   */
  public static int[] corruptTokens(int[] tokens, int vocabSize) {
    int[] out = new int[tokens.length];
    for (int i = 0; i < tokens.length; i++) {
      out[i] = (int) ((tokens[i] + 1L) % vocabSize);
    }
    return out;
  }

  /** The outputs one answered call returns: corrupted when its draw says so, else unchanged. */
  public List<Tensor> apply(List<Tensor> outputs) {
    return draw() ? corrupt(outputs) : outputs;
  }

  /** The embeddings one answered call returns: corrupted when its draw says so, else unchanged. */
  public Embeddings apply(Embeddings embeddings) {
    if (!draw()) {
      return embeddings;
    }
    List<float[]> vectors = new ArrayList<>(embeddings.size());
    for (float[] v : embeddings.vectors()) {
      for (int i = 0; i < v.length; i++) {
        v[i] = corrupt(v[i]);
      }
      vectors.add(v);
    }
    return new Embeddings(vectors, embeddings.promptTokens());
  }

  /** Every tensor corrupted. */
  public static List<Tensor> corrupt(List<Tensor> tensors) {
    return tensors.stream().map(OutputCorruptor::corrupt).toList();
  }

  /** The same tensor (name, type, shape) with every element changed. */
  public static Tensor corrupt(Tensor t) {
    ByteBuffer b = ByteBuffer.wrap(t.data()).order(ByteOrder.LITTLE_ENDIAN);
    int n = Math.toIntExact(t.elementCount());
    for (int i = 0; i < n; i++) {
      switch (t.datatype()) {
        case BOOL -> b.put(i, (byte) (b.get(i) == 0 ? 1 : 0));
        case UINT8, INT8 -> b.put(i, (byte) ~b.get(i));
        case INT16 -> b.putShort(i * 2, (short) ~b.getShort(i * 2));
        case INT32 -> b.putInt(i * 4, ~b.getInt(i * 4));
        case INT64 -> b.putLong(i * 8, ~b.getLong(i * 8));
        case FP32 -> b.putFloat(i * 4, corrupt(b.getFloat(i * 4)));
        case FP64 -> b.putDouble(i * 8, corrupt(b.getDouble(i * 8)));
      }
    }
    return Tensor.wrap(t.name(), t.datatype(), t.shape(), b.array());
  }

  // Opposite sign and at least 1 away: |x − y| ≥ max(1, |x|, |y|), which only a tolerance of
  // 100% or more accepts. Non-finite values go where a comparator never matches them.
  static float corrupt(float x) {
    if (Float.isNaN(x)) {
      return 1f;
    }
    if (Float.isInfinite(x)) {
      return Float.NaN;
    }
    return -(x + Math.copySign(1f, x));
  }

  static double corrupt(double x) {
    if (Double.isNaN(x)) {
      return 1.0;
    }
    if (Double.isInfinite(x)) {
      return Double.NaN;
    }
    return -(x + Math.copySign(1.0, x));
  }
}
