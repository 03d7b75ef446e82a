package io.verinfer.runtime.textgen;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtSession;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.onnx.OrtEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link OnnxTextGenerator} on real ONNX Runtime: the contract, plus what only this implementation
 * can show (the KV cache against recomputation, the step semaphore, Optimum graphs).
 */
class OnnxTextGeneratorTest extends TextGeneratorContract {
  @Override
  TextGenerator newGenerator() {
    // two step permits, fewer than the concurrent streams below, so they really interleave
    return new OnnxTextGenerator(TextGeneratorConfig.defaults().withMaxConcurrentSteps(2));
  }

  @Test
  void thePromptIsOneRunAndEachFurtherTokenOneMore() {
    OnnxTextGenerator onnx = (OnnxTextGenerator) generator;
    int[] p = prompt("a prompt of some twenty five tokens or so");
    assertThat(p.length).isGreaterThan(20);
    long before = onnx.steps();
    Generation g = run(p, SamplingParams.greedy(6));
    assertThat(g.completionTokenCount()).isEqualTo(6);
    // one prefill, then a run for each token but the last (the last is sampled, never fed back)
    assertThat(onnx.steps() - before).isEqualTo(6);
  }

  @Test
  void kvCacheDecodingGivesTheTokensOfRecomputingTheWholeSequence() throws Exception {
    int[] p = prompt("hello there");
    Generation g = run(p, SamplingParams.greedy(30));
    int[] recomputed = new int[30];
    int[] seq = Arrays.copyOf(p, p.length + 30);
    byte[] onnx = Files.readAllBytes(pack.resolve("model.onnx"));
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = OrtEnv.environment().createSession(onnx, options)) {
      for (int i = 0; i < 30; i++) {
        int n = p.length + i;
        try (DecoderExporterTest.Step step =
            DecoderExporterTest.Step.run(session, weights.config, Arrays.copyOf(seq, n), 0, null)) {
          float[] last = step.logits(n, TinyTextPacks.VOCAB)[n - 1];
          recomputed[i] = Sampler.argmax(last, 0, last.length);
          seq[n] = recomputed[i];
        }
      }
    }
    assertThat(g.completionTokens()).isEqualTo(recomputed);
    // and the Java reference forward pass agrees on every greedy choice
    double[][] reference = TinyDecoders.forward(weights, Arrays.copyOf(seq, p.length + 29));
    for (int i = 0; i < 30; i++) {
      double[] row = reference[p.length - 1 + i];
      int best = 0;
      for (int t = 1; t < row.length; t++) {
        if (row[t] > row[best]) {
          best = t;
        }
      }
      assertThat(best).as("token %d", i).isEqualTo(recomputed[i]);
    }
  }

  @Test
  void aShortGenerationFinishesWhileALongOneIsStillRunning() throws Exception {
    try (OnnxTextGenerator gen =
        new OnnxTextGenerator(TextGeneratorConfig.defaults().withMaxConcurrentSteps(1))) {
      gen.deploy(pack);
      CountDownLatch longStarted = new CountDownLatch(1);
      CountDownLatch shortDone = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        // the long stream's sink waits, after its third token, until the short one has finished:
        // with one step permit this completes only if a stream waiting in its sink holds no permit
        Future<Generation> longRun =
            pool.submit(
                () ->
                    gen.generate(
                        MODEL,
                        new GenerationRequest(
                            gen.encode(MODEL, "a long story"), SamplingParams.greedy(40)),
                        chunk -> {
                          if (chunk.index() == 2) {
                            longStarted.countDown();
                            try {
                              assertThat(shortDone.await(20, TimeUnit.SECONDS)).isTrue();
                            } catch (InterruptedException e) {
                              Thread.currentThread().interrupt();
                            }
                          }
                          return true;
                        }));
        assertThat(longStarted.await(20, TimeUnit.SECONDS)).isTrue();
        Generation shortOne =
            pool.submit(
                    () ->
                        gen.generate(
                            MODEL,
                            new GenerationRequest(
                                gen.encode(MODEL, "short"), SamplingParams.greedy(3)),
                            GenerationSink.DISCARD))
                .get(20, TimeUnit.SECONDS);
        assertThat(longRun.isDone()).isFalse();
        shortDone.countDown();
        assertThat(shortOne.completionTokenCount()).isEqualTo(3);
        assertThat(longRun.get(20, TimeUnit.SECONDS).completionTokenCount()).isEqualTo(40);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void aDecoderWithoutPositionIdsLoadsFromItsInputMetadata(@TempDir Path other) throws Exception {
    Path tokenizer = other.resolve("tokenizer-src.json");
    TinyTextPacks.writeTokenizer(tokenizer);
    byte[] stripped = WithoutPositionIds.strip(DecoderExporter.export(weights, "stripped"));
    Path p =
        TextPacks.writePack(
            stripped,
            tokenizer,
            other.resolve("pack"),
            new TextPacks.Description(MODEL, "no position_ids", "Apache-2.0", "0"),
            GenerationSettings.chatml(CONTEXT));
    assertThat(ModelManifest.read(p).schema().input(DecoderExporter.POSITION_IDS)).isEmpty();
    try (OnnxTextGenerator gen = new OnnxTextGenerator(TextGeneratorConfig.defaults())) {
      TextModel m = gen.deploy(p);
      assertThat(m.vocabSize()).isEqualTo(TinyTextPacks.VOCAB);
      int[] pr = prompt("the quick brown fox");
      Generation g =
          gen.generate(
              MODEL, new GenerationRequest(pr, SamplingParams.greedy(20)), GenerationSink.DISCARD);
      assertThat(g.completionTokens())
          .isEqualTo(run(pr, SamplingParams.greedy(20)).completionTokens());
    }
  }

  @Test
  void reportsTheExecutionProvider() {
    assertThat(generator.executionProvider()).isEqualTo("CPU");
    try (OnnxTextGenerator gpu = new OnnxTextGenerator(new TextGeneratorConfig(1, 1, true))) {
      assertThat(gpu.executionProvider())
          .startsWith(
              ai.onnxruntime.OrtEnvironment.getAvailableProviders()
                      .contains(ai.onnxruntime.OrtProvider.CUDA)
                  ? "CUDA"
                  : "CPU (GPU requested");
    }
  }
}
