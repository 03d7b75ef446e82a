package io.verinfer.runtime.text;

import static io.verinfer.runtime.text.MiniLm.asTensor;
import static io.verinfer.runtime.text.MiniLm.cosine;
import static io.verinfer.runtime.text.MiniLm.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.OutputComparator;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.VerinferException;
import io.verinfer.runtime.packs.minilm.MiniLmPack;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real MiniLM through a real micro-batching ONNX Runtime engine; one engine for the class. */
class EmbeddingServiceTest {
  private static final String GUITAR = "A man is playing a guitar.";
  private static final String INSTRUMENT = "Someone is playing an instrument.";
  private static final String STOCKS = "The stock market fell sharply today.";
  private static final long TOLERANCE = MiniLmPack.TOLERANCE_PPM;

  @TempDir static Path dir;
  private static MiniLm minilm;
  private static EmbeddingService service;

  @BeforeAll
  static void start() throws IOException {
    minilm = MiniLm.start(dir);
    service = minilm.service;
  }

  @AfterAll
  static void stop() {
    if (minilm != null) {
      minilm.close();
    }
  }

  @Test
  void similarSentencesAreCloserThanUnrelatedOnes() {
    // One call per text: each runs alone, so these numbers are the same on every run.
    float[] guitar = service.embed(List.of(GUITAR)).vector(0);
    float[] instrument = service.embed(List.of(INSTRUMENT)).vector(0);
    float[] stocks = service.embed(List.of(STOCKS)).vector(0);
    double similar = cosine(guitar, instrument);
    double unrelated = cosine(guitar, stocks);
    System.out.printf(
        "cos(guitar, instrument) = %.4f, cos(guitar, stock market) = %.4f%n", similar, unrelated);
    assertThat(similar).isGreaterThan(unrelated + 0.3);
    assertThat(similar).isGreaterThan(0.5);

    Embeddings together = service.embed(List.of(GUITAR, INSTRUMENT, STOCKS));
    assertThat(together.promptTokens()).isEqualTo(9 + 8 + 9);
    assertThat(cosine(together.vector(0), together.vector(1)))
        .isGreaterThan(cosine(together.vector(0), together.vector(2)) + 0.3);
  }

  @Test
  void vectorsHave384DimensionsAndUnitNorm() {
    Embeddings e = service.embed(List.of(GUITAR, "ok", "word ".repeat(400)));
    assertThat(e.size()).isEqualTo(3);
    assertThat(e.dimensions()).isEqualTo(MiniLmPack.DIMENSIONS);
    for (float[] v : e.vectors()) {
      assertThat(Math.sqrt(cosine(v, v))).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
    }
    // The long text is cut to 256 tokens: [CLS] + 254 words + [SEP].
    assertThat(e.promptTokens()).isEqualTo(9 + 3 + MiniLmPack.MAX_TOKENS);
  }

  @Test
  void theSameTextTwiceGivesBitIdenticalOutputs() {
    Embeddings first = service.embed(List.of(GUITAR));
    Embeddings second = service.embed(List.of(GUITAR));
    assertThat(second.vector(0)).isEqualTo(first.vector(0));
    assertThat(CanonicalTensors.hash(List.of(second.toTensor("embedding"))))
        .isEqualTo(CanonicalTensors.hash(List.of(first.toTensor("embedding"))));

    TextTokenizer.Encoding enc = minilm.tokenizer.encode(GUITAR, MiniLmPack.MAX_TOKENS);
    List<Tensor> request = EmbeddingService.request(List.of(enc), 16);
    List<Tensor> out1 = minilm.engine.infer(MiniLmPack.NAME, request);
    List<Tensor> out2 = minilm.engine.infer(MiniLmPack.NAME, request);
    assertThat(CanonicalTensors.hash(out2)).isEqualTo(CanonicalTensors.hash(out1));
    assertThat(EmbeddingService.meanPool(out1.get(0), 0, enc.attentionMask()))
        .isEqualTo(first.vector(0));
  }

  @Test
  void paddingToALargerBucketStaysWithinTheTolerance() {
    List<String> texts = List.of(GUITAR, INSTRUMENT, STOCKS, "Paris is the capital of France.");
    double worst = 0;
    double lowestCos = 1;
    for (String text : texts) {
      TextTokenizer.Encoding enc = minilm.tokenizer.encode(text, MiniLmPack.MAX_TOKENS);
      float[] unpadded = pooled(enc, enc.length());
      for (int length : new int[] {16, 64, 256}) {
        float[] padded = pooled(enc, length);
        worst = Math.max(worst, maxAbsDiff(unpadded, padded));
        lowestCos = Math.min(lowestCos, cosine(unpadded, padded));
        assertThat(
                OutputComparator.firstMismatch(
                    List.of(asTensor(unpadded)), List.of(asTensor(padded)), TOLERANCE))
            .as("%s padded to %d", text, length)
            .isEmpty();
      }
    }
    System.out.printf(
        "padding (exact length vs 16/64/256): max |delta| %.4f, min cos %.4f, tolerance %.3f%n",
        worst, lowestCos, TOLERANCE / 1e6);
    assertThat(lowestCos).isGreaterThan(0.95);
  }

  @Test
  void thirtyTwoConcurrentCallersMatchSequentialCalls() throws Exception {
    List<String> texts = sentences();
    List<float[]> sequential = new ArrayList<>();
    for (String text : texts) {
      sequential.add(service.embed(List.of(text)).vector(0));
    }
    List<float[]> concurrent = new ArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<float[]>> futures = new ArrayList<>();
      for (String text : texts) {
        futures.add(
            callers.submit(
                () -> {
                  go.await();
                  return service.embed(List.of(text)).vector(0);
                }));
      }
      go.countDown();
      for (Future<float[]> f : futures) {
        concurrent.add(f.get());
      }
    }
    double worst = 0;
    int identical = 0;
    for (int i = 0; i < texts.size(); i++) {
      worst = Math.max(worst, maxAbsDiff(sequential.get(i), concurrent.get(i)));
      identical += Arrays.equals(sequential.get(i), concurrent.get(i)) ? 1 : 0;
      assertThat(
              OutputComparator.firstMismatch(
                  List.of(asTensor(sequential.get(i))),
                  List.of(asTensor(concurrent.get(i))),
                  TOLERANCE))
          .as(texts.get(i))
          .isEmpty();
    }
    System.out.printf(
        "32 concurrent vs sequential: %d bit-identical, max |delta| %.4f%n", identical, worst);
  }

  @Test
  void oneBatchedRequestAgreesWithPerTextRequests() {
    List<String> texts = sentences().subList(0, 8);
    Embeddings perText = service.embed(texts);
    Embeddings batched = service.embedBatched(texts);
    assertThat(batched.promptTokens()).isEqualTo(perText.promptTokens());
    assertThat(
            OutputComparator.agree(
                List.of(perText.toTensor("embedding")),
                List.of(batched.toTensor("embedding")),
                TOLERANCE))
        .isTrue();
  }

  @Test
  void emptyTextIsRefusedNamingTheField() {
    assertThatThrownBy(() -> service.embed(List.of(GUITAR, "")))
        .isInstanceOfSatisfying(
            VerinferException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.EMPTY_INPUT);
              assertThat(e.field()).isEqualTo("input[1]");
            });
    assertThatThrownBy(() -> service.embed(Arrays.asList(GUITAR, STOCKS, null)))
        .isInstanceOfSatisfying(
            VerinferException.class, e -> assertThat(e.field()).isEqualTo("input[2]"));
    assertThatThrownBy(() -> service.embedBatched(List.of(" \t\n")))
        .isInstanceOfSatisfying(
            VerinferException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.EMPTY_INPUT));
    assertThatThrownBy(() -> service.embed(List.of()))
        .isInstanceOfSatisfying(
            VerinferException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.EMPTY_INPUT);
              assertThat(e.field()).isEqualTo("input");
            });
  }

  private static float[] pooled(TextTokenizer.Encoding enc, int length) {
    List<Tensor> out =
        minilm.engine.infer(MiniLmPack.NAME, EmbeddingService.request(List.of(enc), length));
    return EmbeddingService.meanPool(out.get(0), 0, enc.attentionMask());
  }

  /** 32 short sentences (most fit the 16-token bucket, so concurrent requests stack). */
  private static List<String> sentences() {
    String[] subjects = {"The cat", "A doctor", "My neighbour", "The old train"};
    String[] actions = {
      "repaired the broken fence.",
      "announced record profits.",
      "is sleeping on the sofa.",
      "crossed the mountains at night.",
      "cooked a spicy curry.",
      "raised interest rates again.",
      "won the championship game.",
      "waited for the rain to stop in the quiet village square."
    };
    List<String> out = new ArrayList<>();
    for (String s : subjects) {
      for (String a : actions) {
        out.add(s + " " + a);
      }
    }
    return out;
  }
}
