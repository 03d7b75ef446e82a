package io.verinfer.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.DataType;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.OutputComparator;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.VerinferException;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.ModelSpec;
import io.verinfer.runtime.TinyModels;
import io.verinfer.runtime.store.LocalModelStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine over real ONNX Runtime with small graphs built in code. */
class OnnxInferenceEngineTest {
  @TempDir Path dir;

  private OnnxInferenceEngine engine(EngineConfig config, String name, float scale, long maxBytes) {
    LocalModelStore store = new LocalModelStore(dir.resolve("store"));
    Cid cid = store.put(TinyModels.affine(scale, 0));
    OnnxInferenceEngine engine = new OnnxInferenceEngine(store, config);
    engine.deploy(new ModelSpec(name, cid, TinyModels.affineSchema(maxBytes), 1_000));
    return engine;
  }

  private static Tensor x(float... values) {
    return Tensor.ofFloats("x", new long[] {values.length / TinyModels.IN, TinyModels.IN}, values);
  }

  @Test
  void runsTheModelAndTheSameInputAlwaysHashesTheSame() {
    try (OnnxInferenceEngine engine = engine(EngineConfig.defaults(), "affine", 1f, 1 << 20)) {
      float[] in = {1, 2, 3, 4};
      List<Tensor> out = engine.infer("affine", List.of(x(in)));
      assertThat(out).hasSize(1);
      assertThat(out.get(0).name()).isEqualTo("y");
      assertThat(out.get(0).shape()).containsExactly(1, 2);
      assertThat(out.get(0).toFloats()).containsExactly(TinyModels.expected(in, 1f));
      assertThat(CanonicalTensors.hash(engine.infer("affine", List.of(x(in)))))
          .isEqualTo(CanonicalTensors.hash(out));
    }
  }

  @Test
  void everySchemaViolationIsRefusedBeforeOnnxRuntime() {
    try (OnnxInferenceEngine engine = engine(EngineConfig.defaults(), "affine", 1f, 64)) {
      long runsBefore = engine.stats().sessionRuns();
      refused(() -> engine.infer("nope", List.of(x(1, 2, 3, 4))), ErrorCode.UNKNOWN_MODEL, "model");
      refused(
          () -> engine.infer("affine", List.of(x(1, 2, 3, 4).renamed("z"))),
          ErrorCode.UNKNOWN_INPUT,
          "inputs[0].name");
      refused(
          () ->
              engine.infer("affine", List.of(Tensor.ofLongs("x", new long[] {1, 4}, new long[4]))),
          ErrorCode.WRONG_DATATYPE,
          "inputs[0].datatype");
      refused(
          () -> engine.infer("affine", List.of(Tensor.ofFloats("x", new long[] {4}, new float[4]))),
          ErrorCode.WRONG_SHAPE,
          "inputs[0].shape");
      refused(
          () ->
              engine.infer(
                  "affine", List.of(Tensor.ofFloats("x", new long[] {1, 3}, new float[3]))),
          ErrorCode.WRONG_SHAPE,
          "inputs[0].shape");
      refused(
          () -> engine.infer("affine", List.of(x(new float[4 * 5]))), // 80 bytes > 64
          ErrorCode.INPUT_TOO_LARGE,
          "inputs");
      refused(
          () ->
              engine.infer(
                  "affine", List.of(Tensor.ofFloats("x", new long[] {0, 4}, new float[0]))),
          ErrorCode.EMPTY_INPUT,
          "inputs[0].data");
      refused(() -> engine.infer("affine", List.of()), ErrorCode.EMPTY_INPUT, "inputs");
      assertThat(engine.stats().sessionRuns()).isEqualTo(runsBefore);
      assertThat(engine.infer("affine", List.of(x(1, 1, 1, 1)))).hasSize(1); // still healthy
    }
  }

  private static void refused(ThrowingCallable call, ErrorCode code, String field) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            VerinferException.class,
            e -> {
              assertThat(e.code()).isEqualTo(code);
              assertThat(e.field()).isEqualTo(field);
              assertThat(e.getMessage()).isNotBlank();
            });
  }

  @Test
  void concurrentCallersAreMicroBatchedAndAgreeWithSingleCalls() throws Exception {
    EngineConfig batching = EngineConfig.defaults().withBatching(32, Duration.ofMillis(20));
    EngineConfig single = EngineConfig.defaults().withBatching(1, Duration.ZERO);
    Random random = new Random(7);
    List<float[]> inputs = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      float[] row = new float[TinyModels.IN * (1 + i % 3)];
      for (int k = 0; k < row.length; k++) {
        row[k] = random.nextFloat() * 10 - 5;
      }
      inputs.add(row);
    }
    List<List<Tensor>> alone = new ArrayList<>();
    try (OnnxInferenceEngine engine = engine(single, "affine", 1f, 1 << 20)) {
      for (float[] in : inputs) {
        alone.add(engine.infer("affine", List.of(x(in))));
      }
      assertThat(engine.stats().stackedBatches()).isZero();
    }
    try (OnnxInferenceEngine engine = engine(batching, "affine", 1f, 1 << 20);
        ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<List<Tensor>>> futures = new ArrayList<>();
      for (float[] in : inputs) {
        futures.add(callers.submit(() -> engine.infer("affine", List.of(x(in)))));
      }
      for (int i = 0; i < inputs.size(); i++) {
        List<Tensor> got = futures.get(i).get();
        assertThat(got.get(0).shape()).isEqualTo(alone.get(i).get(0).shape());
        assertThat(OutputComparator.agree(got, alone.get(i), 1_000)).isTrue();
      }
      assertThat(engine.stats().stackedBatches()).isPositive();
      assertThat(engine.stats().stackedRequests()).isGreaterThan(engine.stats().stackedBatches());
    }
  }

  @Test
  void sessionsAreCachedByCidWithinAByteBudget() {
    LocalModelStore store = new LocalModelStore(dir.resolve("cache"));
    Cid a = store.put(TinyModels.affine(1f, 10_000));
    Cid b = store.put(TinyModels.affine(2f, 10_000));
    long oneModel = TinyModels.affine(1f, 10_000).length;
    EngineConfig config = EngineConfig.defaults().withSessionCacheBytes(oneModel + 100);
    try (OnnxInferenceEngine engine = new OnnxInferenceEngine(store, config)) {
      engine.deploy(new ModelSpec("a", a, TinyModels.affineSchema(1 << 20), 0));
      engine.deploy(new ModelSpec("b", b, TinyModels.affineSchema(1 << 20), 0));
      long loads = engine.stats().sessionLoads(); // a loaded, then b loaded and a evicted
      engine.infer("b", List.of(x(1, 2, 3, 4)));
      assertThat(engine.stats().sessionLoads()).isEqualTo(loads); // b is cached
      float[] out = engine.infer("a", List.of(x(1, 2, 3, 4))).get(0).toFloats();
      assertThat(engine.stats().sessionLoads()).isEqualTo(loads + 1); // a had been evicted
      assertThat(out).containsExactly(TinyModels.expected(new float[] {1, 2, 3, 4}, 1f));
      OnnxInferenceEngine.Stats stats = engine.stats();
      assertThat(stats.cachedSessions()).isEqualTo(1); // a evicted b
      assertThat(stats.cachedSessionBytes()).isEqualTo(oneModel);
      assertThat(stats.activeRuns()).isZero();
    }
  }

  @Test
  void aGpuRequestOnACpuOnlyBuildIsReportedAndRunsOnCpu() {
    EngineConfig gpu = new EngineConfig(1, 2, 1 << 30, 1, Duration.ZERO, true);
    try (OnnxInferenceEngine engine = engine(gpu, "affine", 1f, 1 << 20)) {
      assertThat(engine.executionProvider())
          .satisfiesAnyOf(
              p -> assertThat(p).isEqualTo("CUDA"),
              p -> assertThat(p).contains("no CUDA provider"));
      assertThat(engine.infer("affine", List.of(x(1, 2, 3, 4)))).hasSize(1);
    }
  }

  @Test
  void deployingABlobThatIsNotStoredIsRefused() {
    LocalModelStore store = new LocalModelStore(dir.resolve("empty"));
    try (OnnxInferenceEngine engine = new OnnxInferenceEngine(store, EngineConfig.defaults())) {
      Cid missing = Cid.of(new byte[] {1, 2, 3});
      assertThatThrownBy(
              () -> engine.deploy(new ModelSpec("m", missing, TinyModels.affineSchema(64), 0)))
          .isInstanceOfSatisfying(
              VerinferException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_CID));
    }
    assertThat(DataType.FP32.isFloatingPoint()).isTrue();
  }

  @Test
  @org.junit.jupiter.api.Timeout(30)
  void idleBatchedModelsNeverStarveABusyOne() throws Exception {
    LocalModelStore store = new LocalModelStore(dir.resolve("many"));
    EngineConfig twoSlots = new EngineConfig(1, 2, 1L << 30, 8, Duration.ofMillis(1), false);
    try (OnnxInferenceEngine engine = new OnnxInferenceEngine(store, twoSlots)) {
      for (int m = 0; m < 4; m++) {
        Cid cid = store.put(TinyModels.affine(m + 1f, 0));
        engine.deploy(new ModelSpec("m" + m, cid, TinyModels.affineSchema(1 << 20), 0));
      }
      for (int round = 0; round < 3; round++) {
        for (int m = 0; m < 4; m++) {
          float[] out = engine.infer("m" + m, List.of(x(1, 2, 3, 4))).get(0).toFloats();
          assertThat(out).containsExactly(TinyModels.expected(new float[] {1, 2, 3, 4}, m + 1f));
        }
      }
    }
  }
}
