package io.verinfer.runtime.textgen;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.verinfer.runtime.onnx.OrtEnv;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The exported graph against the Java reference forward pass, on real ONNX Runtime. */
class DecoderExporterTest {
  private static final DecoderConfig CONFIG = new DecoderConfig(40, 24, 2, 2, 8, 16);
  private static final double TOLERANCE = 1e-4;

  private static DecoderWeights weights;
  private static OrtEnvironment env;
  private static OrtSession session;

  @BeforeAll
  static void load() throws OrtException {
    weights = TinyDecoders.random(CONFIG, 7);
    env = OrtEnv.environment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      session = env.createSession(DecoderExporter.export(weights, "tiny"), options);
    }
  }

  @AfterAll
  static void close() throws OrtException {
    if (session != null) {
      session.close();
    }
  }

  @Test
  void wholeSequenceLogitsEqualTheReferenceForwardPass() throws OrtException {
    int[] tokens = randomTokens(CONFIG.contextLength(), 1);
    double[][] expected = TinyDecoders.forward(weights, tokens);
    try (Step step = Step.run(session, CONFIG, tokens, 0, null)) {
      float[][] logits = step.logits(tokens.length, CONFIG.vocabSize());
      assertClose(logits, expected, 0);
    }
  }

  @Test
  void incrementalDecodingWithPastGivesTheFullSequenceLogits() throws OrtException {
    int[] tokens = randomTokens(16, 2);
    double[][] expected = TinyDecoders.forward(weights, tokens);
    int prefix = 5;
    Step step = Step.run(session, CONFIG, java.util.Arrays.copyOf(tokens, prefix), 0, null);
    assertClose(step.logits(prefix, CONFIG.vocabSize()), expected, 0);
    for (int t = prefix; t < tokens.length; t++) {
      Step next = Step.run(session, CONFIG, new int[] {tokens[t]}, t, step);
      step.close();
      step = next;
      assertThat(step.presentLength()).isEqualTo(t + 1);
      assertClose(step.logits(1, CONFIG.vocabSize()), expected, t);
    }
    step.close();
  }

  @Test
  void attentionMaskZeroExcludesAKeyPosition() throws OrtException {
    // left padding: a masked first token must not change the logits of the others
    int[] tokens = randomTokens(6, 3);
    double[][] expected = TinyDecoders.forward(weights, java.util.Arrays.copyOfRange(tokens, 1, 6));
    long[] ids = new long[6];
    long[] mask = new long[6];
    long[] positions = new long[6];
    for (int i = 0; i < 6; i++) {
      ids[i] = tokens[i];
      mask[i] = i == 0 ? 0 : 1;
      positions[i] = Math.max(0, i - 1);
    }
    try (Step step = Step.run(session, CONFIG, ids, mask, positions, null)) {
      float[][] logits = step.logits(6, CONFIG.vocabSize());
      assertClose(java.util.Arrays.copyOfRange(logits, 1, 6), expected, 0);
    }
  }

  @Test
  void exportIsByteIdenticalTwice() {
    byte[] a = DecoderExporter.export(weights, "tiny");
    byte[] b = DecoderExporter.export(TinyDecoders.random(CONFIG, 7), "tiny");
    assertThat(b).isEqualTo(a);
    assertThat(DecoderExporter.export(TinyDecoders.random(CONFIG, 8), "tiny")).isNotEqualTo(a);
  }

  @Test
  void graphDeclaresTheOptimumDecoderWithPastIo() throws OrtException {
    assertThat(session.getInputNames())
        .containsExactly(
            "input_ids",
            "attention_mask",
            "position_ids",
            "past_key_values.0.key",
            "past_key_values.0.value",
            "past_key_values.1.key",
            "past_key_values.1.value");
    assertThat(session.getOutputNames())
        .containsExactly(
            "logits", "present.0.key", "present.0.value", "present.1.key", "present.1.value");
  }

  private static void assertClose(float[][] actual, double[][] expected, int firstRow) {
    for (int t = 0; t < actual.length; t++) {
      for (int x = 0; x < actual[t].length; x++) {
        double e = expected[firstRow + t][x];
        assertThat((double) actual[t][x])
            .as("logit [%d][%d]", firstRow + t, x)
            .isCloseTo(
                e, org.assertj.core.data.Offset.offset(TOLERANCE * Math.max(1, Math.abs(e))));
      }
    }
  }

  private static int[] randomTokens(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    int[] t = new int[n];
    for (int i = 0; i < n; i++) {
      t[i] = rng.nextInt(CONFIG.vocabSize());
    }
    return t;
  }

  /** One session run of batch 1, holding its outputs (the next step's past). */
  static final class Step implements AutoCloseable {
    final OrtSession.Result result;
    final int layers;

    private Step(OrtSession.Result result, int layers) {
      this.result = result;
      this.layers = layers;
    }

    static Step run(OrtSession s, DecoderConfig c, int[] tokens, int past, Step previous)
        throws OrtException {
      long[] ids = new long[tokens.length];
      long[] positions = new long[tokens.length];
      long[] mask = new long[past + tokens.length];
      java.util.Arrays.fill(mask, 1);
      for (int i = 0; i < tokens.length; i++) {
        ids[i] = tokens[i];
        positions[i] = past + i;
      }
      return run(s, c, ids, mask, positions, previous);
    }

    static Step run(
        OrtSession s, DecoderConfig c, long[] ids, long[] mask, long[] positions, Step previous)
        throws OrtException {
      OrtEnvironment env = OrtEnv.environment();
      Map<String, OnnxTensor> feed = new HashMap<>();
      Map<String, OnnxTensor> owned = new HashMap<>();
      try {
        owned.put(
            "input_ids",
            OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {1, ids.length}));
        owned.put(
            "attention_mask",
            OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[] {1, mask.length}));
        owned.put(
            "position_ids",
            OnnxTensor.createTensor(
                env, LongBuffer.wrap(positions), new long[] {1, positions.length}));
        feed.putAll(owned);
        for (int i = 0; i < c.layers(); i++) {
          if (previous == null) {
            long[] empty = {1, c.heads(), 0, c.headWidth()};
            OnnxTensor k = OnnxTensor.createTensor(env, FloatBuffer.allocate(0), empty);
            OnnxTensor v = OnnxTensor.createTensor(env, FloatBuffer.allocate(0), empty);
            owned.put(DecoderExporter.pastKey(i), k);
            owned.put(DecoderExporter.pastValue(i), v);
            feed.put(DecoderExporter.pastKey(i), k);
            feed.put(DecoderExporter.pastValue(i), v);
          } else {
            feed.put(DecoderExporter.pastKey(i), previous.present(DecoderExporter.presentKey(i)));
            feed.put(
                DecoderExporter.pastValue(i), previous.present(DecoderExporter.presentValue(i)));
          }
        }
        return new Step(s.run(feed), c.layers());
      } finally {
        owned.values().forEach(OnnxTensor::close);
      }
    }

    OnnxTensor present(String name) {
      OnnxValue v = result.get(name).orElseThrow();
      return (OnnxTensor) v;
    }

    int presentLength() {
      return (int) present(DecoderExporter.presentKey(0)).getInfo().getShape()[2];
    }

    float[][] logits(int rows, int vocab) {
      OnnxTensor t = (OnnxTensor) result.get("logits").orElseThrow();
      FloatBuffer b = t.getFloatBuffer();
      float[][] out = new float[rows][vocab];
      for (int r = 0; r < rows; r++) {
        b.get(out[r]);
      }
      return out;
    }

    @Override
    public void close() {
      result.close();
    }
  }
}
