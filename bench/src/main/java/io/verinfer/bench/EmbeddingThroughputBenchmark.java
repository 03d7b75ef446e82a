package io.verinfer.bench;

import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.onnx.OnnxInferenceEngine;
import io.verinfer.runtime.packs.minilm.MiniLmPack;
import io.verinfer.runtime.store.LocalModelStore;
import io.verinfer.runtime.text.EmbeddingService;
import io.verinfer.runtime.text.Embeddings;
import io.verinfer.runtime.text.TextTokenizer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code minilm-embed} embeddings per second (one text per call, so ops/s = embeddings/s): one
 * caller, and 32 concurrent callers with micro-batching off ({@code maxBatch=1}) and on ({@code
 * maxBatch=32}, opportunistic: what queues while the run slots are busy is stacked).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 4)
@Measurement(iterations = 5, time = 4)
@Fork(1)
public class EmbeddingThroughputBenchmark {
  private static final List<String> TEXTS =
      List.of(
          "A man is playing a guitar.",
          "Someone is playing an instrument on a stage tonight.",
          "The stock market fell sharply today after the announcement.",
          "A cat sleeps on the warm windowsill.",
          "Heavy rain is expected across the north tomorrow.",
          "The committee approved the new budget for schools.",
          "She reads a book about the history of Rome.",
          "Engineers are testing a new battery design.");

  @Param({"1", "32"})
  int maxBatch;

  private OnnxInferenceEngine engine;
  private TextTokenizer tokenizer;
  private EmbeddingService service;
  private final AtomicInteger next = new AtomicInteger();

  @Setup
  public void setUp() {
    LocalModelStore store = new LocalModelStore(Packs.tempStore());
    int cores = Runtime.getRuntime().availableProcessors();
    engine =
        new OnnxInferenceEngine(
            store, new EngineConfig(1, cores, 1L << 30, maxBatch, Duration.ZERO, false));
    engine.deploy(Packs.store(MiniLmPack.NAME, store));
    tokenizer =
        TextTokenizer.open(
            Packs.pack(MiniLmPack.NAME).resolve(MiniLmPack.TOKENIZER_FILE), MiniLmPack.TOKEN_LIMIT);
    service = new EmbeddingService(engine, MiniLmPack.NAME, tokenizer);
  }

  @TearDown
  public void tearDown() {
    engine.close();
    tokenizer.close();
  }

  private String nextText() {
    return TEXTS.get(Math.floorMod(next.getAndIncrement(), TEXTS.size()));
  }

  @Benchmark
  @Threads(1)
  public Embeddings oneCaller() {
    return service.embed(List.of(nextText()));
  }

  @Benchmark
  @Threads(32)
  public Embeddings thirtyTwoCallers() {
    return service.embed(List.of(nextText()));
  }
}
