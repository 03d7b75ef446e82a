package io.verinfer.runtime.textgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtSession;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.VerinferException;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.onnx.OrtEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generator on real ONNX Runtime with a tiny random decoder and a byte-level tokenizer. */
class OnnxTextGeneratorTest {
  static final int CONTEXT = 64;
  static final String MODEL = TinyTextPacks.NAME;

  @TempDir static Path dir;
  static DecoderWeights weights;
  static Path pack;
  static OnnxTextGenerator generator;

  @BeforeAll
  static void deploy() {
    weights = TinyTextPacks.weights(CONTEXT, 11);
    pack = TinyTextPacks.write(dir, weights);
    generator = new OnnxTextGenerator(TextGeneratorConfig.defaults().withMaxConcurrentSteps(2));
    TextModel model = generator.deploy(pack);
    assertThat(model.contextLength()).isEqualTo(CONTEXT);
    assertThat(model.vocabSize()).isEqualTo(TinyTextPacks.VOCAB);
    assertThat(model.chatTemplate()).isEqualTo("chatml");
  }

  @AfterAll
  static void close() {
    if (generator != null) {
      generator.close();
    }
  }

  /** Collects chunks and checks the chunk contract on the way. */
  static final class Collector implements GenerationSink {
    final List<GeneratedChunk> chunks = new ArrayList<>();
    final int cancelAfter;

    Collector() {
      this(Integer.MAX_VALUE);
    }

    Collector(int cancelAfter) {
      this.cancelAfter = cancelAfter;
    }

    @Override
    public boolean accept(GeneratedChunk chunk) {
      assertThat(chunk.index()).isEqualTo(chunks.size());
      assertThat(chunk.tokenCount()).isGreaterThan(0);
      chunks.add(chunk);
      return chunks.size() < cancelAfter;
    }

    int[] tokens() {
      return chunks.stream().flatMapToInt(c -> Arrays.stream(c.tokens())).toArray();
    }

    String text() {
      StringBuilder b = new StringBuilder();
      chunks.forEach(c -> b.append(c.text()));
      return b.toString();
    }
  }

  static Generation run(int[] prompt, SamplingParams params) {
    Collector sink = new Collector();
    Generation g = generator.generate(MODEL, new GenerationRequest(prompt, params), sink);
    assertThat(sink.tokens()).isEqualTo(g.completionTokens());
    assertThat(sink.text()).isEqualTo(g.text());
    return g;
  }

  static int[] prompt(String text) {
    return generator.encode(MODEL, text);
  }

  static SamplingParams sampled(long seed, int maxTokens) {
    return new SamplingParams(0.9, 0.95, seed, maxTokens, List.of());
  }

  @Test
  void tokenizerRecognisesChatMlSpecialTokensAndMerges() {
    String chat =
        generator.renderChat(
            MODEL,
            List.of(new ChatMessage("system", "be brief"), new ChatMessage("user", "hello")));
    assertThat(chat)
        .isEqualTo(
            "<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\nhello<|im_end|>\n"
                + "<|im_start|>assistant\n");
    int[] ids = generator.encode(MODEL, chat);
    assertThat(ids[0]).isEqualTo(TinyTextPacks.IM_START);
    assertThat(Arrays.stream(ids).filter(t -> t == TinyTextPacks.IM_END).count()).isEqualTo(2);
    assertThat(generator.encode(MODEL, "hello"))
        .containsExactly(TinyTextPacks.HE, TinyTextPacks.LL, 'o');
    assertThat(generator.decode(MODEL, ids))
        .isEqualTo(chat.replaceAll("<\\|im_(start|end)\\|>", ""));
    assertThat(generator.decode(MODEL, generator.encode(MODEL, "héllo wörld ✓")))
        .isEqualTo("héllo wörld ✓");
    // "é" is two byte tokens; the first alone decodes as U+FFFD, which StreamedText holds back
    int[] e = generator.encode(MODEL, "é");
    assertThat(e).containsExactly(0xC3, 0xA9);
    assertThat(generator.decode(MODEL, new int[] {0xC3})).isEqualTo("\uFFFD");
  }

  @Test
  void greedyTwiceGivesIdenticalTokens() {
    int[] p = prompt("the quick brown fox");
    Generation a = run(p, SamplingParams.greedy(20));
    Generation b = run(p, SamplingParams.greedy(20));
    assertThat(a.completionTokens()).isEqualTo(b.completionTokens());
    assertThat(a.text()).isEqualTo(b.text());
    assertThat(a.promptTokens()).isEqualTo(p.length);
  }

  @Test
  void seededSamplingRepeatsWithTheSameSeedAndDiffersWithAnother() {
    int[] p = prompt("once upon a time");
    Generation a = run(p, sampled(42, 24));
    Generation b = run(p, sampled(42, 24));
    Generation c = run(p, sampled(43, 24));
    assertThat(b.completionTokens()).isEqualTo(a.completionTokens());
    assertThat(c.completionTokens()).isNotEqualTo(a.completionTokens());
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
  void maxTokensEndsWithLengthAfterExactlyThatMany() {
    Generation g = run(prompt("abc"), SamplingParams.greedy(17));
    assertThat(g.finishReason()).isEqualTo(FinishReason.LENGTH);
    assertThat(g.completionTokenCount()).isEqualTo(17);
    Generation s = run(prompt("abc"), sampled(5, 9));
    assertThat(s.finishReason()).isEqualTo(FinishReason.LENGTH);
    assertThat(s.completionTokenCount()).isEqualTo(9);
  }

  @Test
  void fillingTheContextExactlyIsAllowed() {
    int[] p = prompt("abcdefgh");
    Generation g = run(p, SamplingParams.greedy(CONTEXT - p.length));
    assertThat(g.finishReason()).isEqualTo(FinishReason.LENGTH);
    assertThat(g.completionTokenCount()).isEqualTo(CONTEXT - p.length);
  }

  @Test
  void promptPlusMaxTokensBeyondTheContextIsRefusedNamingTheField() {
    int[] p = prompt("abcdefgh");
    GenerationRequest tooLong =
        new GenerationRequest(p, SamplingParams.greedy(CONTEXT - p.length + 1));
    assertThatThrownBy(() -> generator.generate(MODEL, tooLong, GenerationSink.DISCARD))
        .isInstanceOfSatisfying(
            VerinferException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_VALUE);
              assertThat(e.field()).isEqualTo("max_tokens");
            })
        .hasMessageContaining(p.length + " tokens")
        .hasMessageContaining("max_tokens " + (CONTEXT - p.length + 1))
        .hasMessageContaining("context of " + CONTEXT)
        .hasMessageContaining("at most " + (CONTEXT - p.length));
    int[] huge = new int[CONTEXT];
    Arrays.fill(huge, 'a');
    assertThatThrownBy(
            () ->
                generator.generate(
                    MODEL, new GenerationRequest(huge, SamplingParams.greedy(1)), null))
        .isInstanceOfSatisfying(
            VerinferException.class, e -> assertThat(e.field()).isEqualTo("prompt"))
        .hasMessageContaining(CONTEXT + " tokens");
  }

  @Test
  void tokenOutsideTheVocabularyAndUnknownModelAreRefused() {
    GenerationRequest bad =
        new GenerationRequest(new int[] {'a', TinyTextPacks.VOCAB}, SamplingParams.greedy(3));
    assertThatThrownBy(() -> generator.generate(MODEL, bad, GenerationSink.DISCARD))
        .isInstanceOfSatisfying(
            VerinferException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_VALUE);
              assertThat(e.field()).isEqualTo("prompt[1]");
            })
        .hasMessageContaining("id " + TinyTextPacks.VOCAB)
        .hasMessageContaining("0 to " + (TinyTextPacks.VOCAB - 1));
    GenerationRequest negative = new GenerationRequest(new int[] {-1}, SamplingParams.greedy(3));
    assertThatThrownBy(() -> generator.generate(MODEL, negative, GenerationSink.DISCARD))
        .isInstanceOf(VerinferException.class);
    GenerationRequest ok = new GenerationRequest(new int[] {'a'}, SamplingParams.greedy(3));
    assertThatThrownBy(() -> generator.generate("nope", ok, GenerationSink.DISCARD))
        .isInstanceOfSatisfying(
            VerinferException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_MODEL);
              assertThat(e.field()).isEqualTo("model");
            });
  }

  @Test
  void stopSequenceCutsTheTextBeforeIt() {
    int[] p = prompt("the rain in spain");
    Generation full = run(p, SamplingParams.greedy(40));
    String text = full.text();
    assertThat(text.length()).as("greedy text %s", text).isGreaterThan(12);
    // the first two characters that first occur at index 3 or later: a cut inside the text
    int cut = 3;
    while (text.indexOf(text.substring(cut, cut + 2)) != cut) {
      cut++;
    }
    String stop = text.substring(cut, cut + 2);
    Generation stopped = run(p, new SamplingParams(0, 1, 0, 40, List.of("never-there", stop)));
    assertThat(stopped.finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(stopped.text()).isEqualTo(text.substring(0, cut));
    int n = stopped.completionTokenCount();
    assertThat(n).isLessThan(40);
    assertThat(stopped.completionTokens()).isEqualTo(Arrays.copyOf(full.completionTokens(), n));
  }

  @Test
  void sinkReturningFalseCancels() {
    Collector sink = new Collector(4);
    Generation g =
        generator.generate(
            MODEL, new GenerationRequest(prompt("stop me"), SamplingParams.greedy(30)), sink);
    assertThat(g.finishReason()).isEqualTo(FinishReason.CANCELLED);
    assertThat(g.completionTokenCount()).isEqualTo(4);
    assertThat(sink.tokens()).isEqualTo(g.completionTokens());
    assertThat(sink.text()).isEqualTo(g.text());
  }

  @Test
  void endTokenStopsWithTheTokenBilledAndNoText(@TempDir Path other) {
    try (OnnxTextGenerator gen = new OnnxTextGenerator(TextGeneratorConfig.defaults())) {
      Path ending = TinyTextPacks.write(other, TinyTextPacks.endingWeights(CONTEXT, 3));
      gen.deploy(ending);
      Collector sink = new Collector();
      Generation g =
          gen.generate(
              MODEL,
              new GenerationRequest(gen.encode(MODEL, "hi"), SamplingParams.greedy(10)),
              sink);
      assertThat(g.finishReason()).isEqualTo(FinishReason.STOP);
      assertThat(g.completionTokens()).containsExactly(TinyTextPacks.IM_END);
      assertThat(g.text()).isEmpty();
      assertThat(sink.chunks).hasSize(1);
    }
  }

  @Test
  void concurrentGenerationsGiveTheirSoloResults() throws Exception {
    List<int[]> prompts = new ArrayList<>();
    List<SamplingParams> params = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      prompts.add(prompt("stream number " + i));
      params.add(i % 2 == 0 ? SamplingParams.greedy(20 + i) : sampled(100 + i, 20 + i));
    }
    List<Generation> solo = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      solo.add(run(prompts.get(i), params.get(i)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Generation>> futures = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        int k = i;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  return run(prompts.get(k), params.get(k));
                }));
      }
      start.countDown();
      for (int i = 0; i < 8; i++) {
        Generation g = futures.get(i).get(30, TimeUnit.SECONDS);
        assertThat(g.completionTokens())
            .as("stream %d", i)
            .isEqualTo(solo.get(i).completionTokens());
        assertThat(g.text()).isEqualTo(solo.get(i).text());
        assertThat(g.finishReason()).isEqualTo(solo.get(i).finishReason());
      }
    } finally {
      pool.shutdownNow();
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
