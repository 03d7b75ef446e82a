package io.verinfer.runtime.textgen;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shape of an ONNX decoder with past key values in the Hugging Face Optimum layout, read from
 * its session's metadata: layers (the {@code past_key_values.{i}.key} inputs), heads and head width
 * (their fixed dims 1 and 3), vocabulary (the last dim of {@code logits}), and whether it takes
 * {@code position_ids} and a merged decoder's {@code use_cache_branch}.
 */
final class DecoderGraph {
  private static final Pattern PAST = Pattern.compile("past_key_values\\.(\\d+)\\.(key|value)");
  static final String USE_CACHE_BRANCH = "use_cache_branch";

  final OrtSession session;
  final int layers;
  final int heads;
  final int headWidth;
  final int vocabSize;
  final boolean positionIds;
  final boolean useCacheBranch;

  private DecoderGraph(
      OrtSession session,
      int layers,
      int heads,
      int headWidth,
      int vocabSize,
      boolean positionIds,
      boolean useCacheBranch) {
    this.session = session;
    this.layers = layers;
    this.heads = heads;
    this.headWidth = headWidth;
    this.vocabSize = vocabSize;
    this.positionIds = positionIds;
    this.useCacheBranch = useCacheBranch;
  }

  static DecoderGraph inspect(String model, OrtSession session) throws OrtException {
    Map<String, NodeInfo> in = session.getInputInfo();
    Map<String, NodeInfo> out = session.getOutputInfo();
    requireLong(model, in, DecoderExporter.INPUT_IDS);
    requireLong(model, in, DecoderExporter.ATTENTION_MASK);
    boolean positions = in.containsKey(DecoderExporter.POSITION_IDS);
    if (positions) {
      requireLong(model, in, DecoderExporter.POSITION_IDS);
    }
    int layers = 0;
    int heads = -1;
    int headWidth = -1;
    for (Map.Entry<String, NodeInfo> e : in.entrySet()) {
      Matcher m = PAST.matcher(e.getKey());
      if (!m.matches()) {
        continue;
      }
      layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
      TensorInfo t = tensor(model, e.getKey(), e.getValue());
      long[] shape = t.getShape();
      if (t.type != OnnxJavaType.FLOAT || shape.length != 4 || shape[1] <= 0 || shape[3] <= 0) {
        throw new IllegalArgumentException(
            model
                + ": "
                + e.getKey()
                + " must be float32 [batch, heads, past, headWidth] with fixed heads and"
                + " headWidth, got "
                + t);
      }
      if (heads >= 0 && (heads != shape[1] || headWidth != shape[3])) {
        throw new IllegalArgumentException(model + ": past key values differ in shape");
      }
      heads = (int) shape[1];
      headWidth = (int) shape[3];
    }
    if (layers == 0) {
      throw new IllegalArgumentException(
          model
              + ": the ONNX graph takes no past_key_values.{i}.key inputs (it has "
              + in.keySet()
              + "); export a decoder with past");
    }
    for (int i = 0; i < layers; i++) {
      for (String name :
          new String[] {
            DecoderExporter.pastKey(i), DecoderExporter.pastValue(i),
          }) {
        if (!in.containsKey(name)) {
          throw new IllegalArgumentException(model + ": the ONNX graph has no input " + name);
        }
      }
      for (String name :
          new String[] {DecoderExporter.presentKey(i), DecoderExporter.presentValue(i)}) {
        if (!out.containsKey(name)) {
          throw new IllegalArgumentException(model + ": the ONNX graph has no output " + name);
        }
      }
    }
    NodeInfo logits = out.get(DecoderExporter.LOGITS);
    if (logits == null) {
      throw new IllegalArgumentException(model + ": the ONNX graph has no output 'logits'");
    }
    long[] logitsShape = tensor(model, DecoderExporter.LOGITS, logits).getShape();
    if (logitsShape.length != 3 || logitsShape[2] <= 0) {
      throw new IllegalArgumentException(
          model + ": logits must be [batch, sequence, vocab] with a fixed vocab");
    }
    boolean branch = in.containsKey(USE_CACHE_BRANCH);
    int expectedInputs = 2 + (positions ? 1 : 0) + (branch ? 1 : 0) + 2 * layers;
    if (in.size() != expectedInputs) {
      throw new IllegalArgumentException(
          model + ": the ONNX graph has inputs this decoder cannot feed: " + in.keySet());
    }
    return new DecoderGraph(
        session, layers, heads, headWidth, (int) logitsShape[2], positions, branch);
  }

  private static void requireLong(String model, Map<String, NodeInfo> in, String name) {
    NodeInfo info = in.get(name);
    if (info == null) {
      throw new IllegalArgumentException(
          model + ": the ONNX graph has no input '" + name + "' (it has " + in.keySet() + ")");
    }
    TensorInfo t = tensor(model, name, info);
    if (t.type != OnnxJavaType.INT64 || t.getShape().length != 2) {
      throw new IllegalArgumentException(model + ": input " + name + " must be int64 [batch, n]");
    }
  }

  private static TensorInfo tensor(String model, String name, NodeInfo info) {
    if (info.getInfo() instanceof TensorInfo t) {
      return t;
    }
    throw new IllegalArgumentException(model + ": " + name + " is not a tensor");
  }

  /**
   * One sequence's KV cache: the previous run's outputs, whose {@code present.*} tensors are fed
   * back as the next run's {@code past_key_values.*} without copying. Not thread-safe.
   */
  final class Cache implements AutoCloseable {
    private final OrtEnvironment env;
    private OrtSession.Result previous;
    private int length;

    Cache(OrtEnvironment env) {
      this.env = env;
    }

    /** Tokens held (the past length of the next run). */
    int length() {
      return length;
    }

    /**
     * Runs {@code tokens} after the cached ones and returns the logits of the last of them; the
     * caller holds a step permit.
     */
    float[] run(int[] tokens) throws OrtException {
      int n = tokens.length;
      long[] ids = new long[n];
      long[] positions = new long[n];
      for (int i = 0; i < n; i++) {
        ids[i] = tokens[i];
        positions[i] = length + i;
      }
      long[] mask = new long[length + n];
      java.util.Arrays.fill(mask, 1);
      Map<String, OnnxTensor> feed = new HashMap<>();
      Map<String, OnnxTensor> owned = new HashMap<>();
      OrtSession.Result result;
      try {
        owned.put(DecoderExporter.INPUT_IDS, longs(ids));
        owned.put(DecoderExporter.ATTENTION_MASK, longs(mask));
        if (positionIds) {
          owned.put(DecoderExporter.POSITION_IDS, longs(positions));
        }
        if (useCacheBranch) {
          owned.put(USE_CACHE_BRANCH, OnnxTensor.createTensor(env, new boolean[] {length > 0}));
        }
        if (previous == null) {
          long[] empty = {1, heads, 0, headWidth};
          for (int i = 0; i < layers; i++) {
            owned.put(
                DecoderExporter.pastKey(i),
                OnnxTensor.createTensor(env, FloatBuffer.allocate(0), empty));
            owned.put(
                DecoderExporter.pastValue(i),
                OnnxTensor.createTensor(env, FloatBuffer.allocate(0), empty));
          }
        } else {
          for (int i = 0; i < layers; i++) {
            feed.put(DecoderExporter.pastKey(i), output(previous, DecoderExporter.presentKey(i)));
            feed.put(
                DecoderExporter.pastValue(i), output(previous, DecoderExporter.presentValue(i)));
          }
        }
        feed.putAll(owned);
        result = session.run(feed);
      } finally {
        owned.values().forEach(OnnxTensor::close);
      }
      try {
        FloatBuffer logits = output(result, DecoderExporter.LOGITS).getFloatBuffer();
        float[] last = new float[vocabSize];
        logits.position((n - 1) * vocabSize);
        logits.get(last);
        if (previous != null) {
          previous.close();
        }
        previous = result;
        length += n;
        return last;
      } catch (RuntimeException e) {
        result.close();
        throw e;
      }
    }

    private OnnxTensor longs(long[] values) throws OrtException {
      return OnnxTensor.createTensor(env, LongBuffer.wrap(values), new long[] {1, values.length});
    }

    private OnnxTensor output(OrtSession.Result r, String name) {
      OnnxValue v =
          r.get(name)
              .orElseThrow(() -> new IllegalStateException("the decoder gave no output " + name));
      return (OnnxTensor) v;
    }

    @Override
    public void close() {
      if (previous != null) {
        previous.close();
        previous = null;
      }
    }
  }
}
