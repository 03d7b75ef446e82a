package io.verinfer.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.verinfer.protocol.Tensor;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.ModelSpec;
import io.verinfer.runtime.onnx.OnnxInferenceEngine;
import io.verinfer.runtime.onnx.OrtEnv;
import io.verinfer.runtime.packs.minilm.MiniLmPack;
import io.verinfer.runtime.store.LocalModelStore;
import io.verinfer.runtime.text.TextTokenizer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine's own cost: {@code engine.infer} (schema validation, tensor conversion both ways, the
 * session cache, the run budget) against a bare {@code OrtSession.run} on the same model with the
 * same session options, in the same JVM. Batching is off here (a single caller gains nothing).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class EngineOverheadBenchmark {
  @Param({"fraud-detect", "minilm-embed"})
  String model;

  private OrtSession session;
  private OnnxInferenceEngine engine;
  private List<Tensor> tensors;
  private float[] features;
  private long[] ids;
  private long[] mask;
  private long[] types;

  @Setup
  public void setUp() throws OrtException {
    OrtEnvironment env = OrtEnv.environment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      options.setInterOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      session = env.createSession(Packs.modelBytes(model), options);
    }
    LocalModelStore store = new LocalModelStore(Packs.tempStore());
    ModelSpec spec = Packs.store(model, store);
    engine =
        new OnnxInferenceEngine(store, new EngineConfig(1, 1, 1L << 30, 1, Duration.ZERO, false));
    engine.deploy(spec);
    if (model.equals("fraud-detect")) {
      features = new float[] {120f, 22f, 2f, 35f, 3f, 400f, 1f, 0f};
      tensors = List.of(Tensor.ofFloats("features", new long[] {1, 8}, features));
    } else {
      try (TextTokenizer tokenizer =
          TextTokenizer.open(
              Packs.pack(model).resolve(MiniLmPack.TOKENIZER_FILE), MiniLmPack.TOKEN_LIMIT)) {
        var encoding = tokenizer.encode("A man is playing a guitar on a sunny afternoon.", 256);
        ids = encoding.ids();
        mask = encoding.attentionMask();
        types = encoding.typeIds();
      }
      long[] shape = {1, ids.length};
      tensors =
          List.of(
              Tensor.ofLongs("input_ids", shape, ids),
              Tensor.ofLongs("attention_mask", shape, mask),
              Tensor.ofLongs("token_type_ids", shape, types));
    }
  }

  @TearDown
  public void tearDown() throws OrtException {
    session.close();
    engine.close();
  }

  @Benchmark
  public float bareOrtSession() throws OrtException {
    OrtEnvironment env = OrtEnv.environment();
    Map<String, OnnxTensor> feed = new HashMap<>();
    try {
      if (features != null) {
        feed.put(
            "features",
            OnnxTensor.createTensor(env, FloatBuffer.wrap(features), new long[] {1, 8}));
      } else {
        long[] shape = {1, ids.length};
        feed.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
        feed.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
        feed.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape));
      }
      try (OrtSession.Result result = session.run(feed)) {
        float sum = 0;
        for (Map.Entry<String, OnnxValue> e : result) {
          FloatBuffer out = ((OnnxTensor) e.getValue()).getFloatBuffer();
          float[] copy = new float[out.remaining()];
          out.get(copy);
          sum += copy[0];
        }
        return sum;
      }
    } finally {
      feed.values().forEach(OnnxTensor::close);
    }
  }

  @Benchmark
  public List<Tensor> engine() {
    return engine.infer(model, tensors);
  }
}
