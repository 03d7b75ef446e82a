package io.verinfer.runtime.textgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rough figure, not a benchmark: tokens per second of the tiny random decoder, one stream alone
 * and 8 streams at once (each decoding on its own thread, default config). Printed, and only
 * checked to be positive: the machine may be busy with other builds.
 */
class TextGenThroughputTest {
  private static final int CONTEXT = 256;
  private static final int TOKENS = 200;

  @Test
  void printsTokensPerSecondOfOneAndOfEightStreams(@TempDir Path dir) throws Exception {
    Path pack = TinyTextPacks.write(dir, TinyTextPacks.weights(CONTEXT, 21));
    try (OnnxTextGenerator gen = new OnnxTextGenerator(TextGeneratorConfig.defaults())) {
      gen.deploy(pack);
      int[] prompt = gen.encode(TinyTextPacks.NAME, "measure me please");
      SamplingParams params = new SamplingParams(0.8, 0.95, 1, TOKENS, List.of());
      GenerationRequest request = new GenerationRequest(prompt, params);
      for (int i = 0; i < 3; i++) { // warm-up
        gen.generate(TinyTextPacks.NAME, request, GenerationSink.DISCARD);
      }
      long t0 = System.nanoTime();
      int one = 0;
      for (int i = 0; i < 3; i++) {
        one +=
            gen.generate(TinyTextPacks.NAME, request, GenerationSink.DISCARD)
                .completionTokenCount();
      }
      double oneRate = one / ((System.nanoTime() - t0) / 1e9);

      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        long t1 = System.nanoTime();
        List<Future<Generation>> runs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          runs.add(
              pool.submit(() -> gen.generate(TinyTextPacks.NAME, request, GenerationSink.DISCARD)));
        }
        int eight = 0;
        for (Future<Generation> f : runs) {
          eight += f.get(60, TimeUnit.SECONDS).completionTokenCount();
        }
        double eightRate = eight / ((System.nanoTime() - t1) / 1e9);
        System.out.printf(
            "tiny decoder (%d params, %d cores, %s): 1 stream %.0f tokens/s; 8 streams %.0f tokens/s"
                + " in total (%.0f each)%n",
            TinyTextPacks.config(CONTEXT).parameterCount(),
            Runtime.getRuntime().availableProcessors(),
            gen.executionProvider(),
            oneRate,
            eightRate,
            eightRate / 8);
        assertThat(oneRate).isPositive();
        assertThat(eightRate).isPositive();
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
