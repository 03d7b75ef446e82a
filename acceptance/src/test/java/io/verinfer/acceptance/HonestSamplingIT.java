package io.verinfer.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.client.ClientOptions;
import io.verinfer.client.InferenceResult;
import io.verinfer.client.Routing;
import io.verinfer.client.Verification;
import io.verinfer.client.VerificationReport.Outcome;
import io.verinfer.client.VerinferClient;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Honest providers are never disputed: every call re-run on a second honest provider and compared
 * within the model's tolerance — 10,000 on fraud-detect (float scores) and 1,000 on minilm-embed
 * (float vectors whose last digits move with how requests were batched) from 8 concurrent callers —
 * agrees, and no dispute is opened.
 */
class HonestSamplingIT {
  private static final int CONSUMER = 5;
  private static final int CALLERS = 8;

  @TempDir Path dir;

  @Test
  void tenThousandCheckedFraudDetectCallsOpenNoDispute() throws Exception {
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishFraudDetect(5);
      Routing honest = routing(market);
      VerinferClient client = market.consumer(CONSUMER, ClientOptions.defaults());
      client.deposit(TokenAmount.ofTokens("1000"));
      Map<Outcome, Integer> outcomes =
          run(
              10_000,
              i ->
                  client.infer(
                      model,
                      List.of(Marketplace.features(i % 500)),
                      honest,
                      Verification.sampled(1.0)));
      assertThat(outcomes).containsExactly(Map.entry(Outcome.AGREED, 10_000));
      assertThat(market.chain(0).disputes().disputeCount()).isZero();
    }
  }

  @Test
  void aThousandCheckedEmbeddingCallsOpenNoDispute() throws Exception {
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishMiniLm(5);
      Routing honest = routing(market);
      VerinferClient client = market.consumer(CONSUMER, ClientOptions.defaults());
      client.deposit(TokenAmount.ofTokens("1000"));
      List<String> texts =
          List.of(
              "a man plays a guitar",
              "the weather is sunny today",
              "stake tokens to serve models",
              "verification keeps providers honest",
              "short",
              "a somewhat longer sentence about decentralized inference markets and receipts");
      Map<Outcome, Integer> outcomes =
          run(
              1_000,
              i ->
                  client.embed(
                      model,
                      List.of(texts.get(i % texts.size())),
                      honest,
                      Verification.sampled(1.0)));
      assertThat(outcomes).containsExactly(Map.entry(Outcome.AGREED, 1_000));
      assertThat(market.chain(0).disputes().disputeCount()).isZero();
    }
  }

  private static Routing routing(Marketplace market) {
    var a = market.startProvider(8, TokenAmount.of(100));
    var b = market.startProvider(9, TokenAmount.of(100));
    return Routing.only(a.address(), b.address());
  }

  /** {@code calls} calls from {@link #CALLERS} threads; outcomes counted. */
  private static Map<Outcome, Integer> run(int calls, IntFunction<InferenceResult> call)
      throws Exception {
    Map<Outcome, Integer> outcomes = new ConcurrentHashMap<>();
    AtomicInteger next = new AtomicInteger();
    try (ExecutorService pool = Executors.newFixedThreadPool(CALLERS)) {
      List<Future<?>> running =
          java.util.stream.IntStream.range(0, CALLERS)
              .<Future<?>>mapToObj(
                  t ->
                      pool.submit(
                          () -> {
                            for (int i; (i = next.getAndIncrement()) < calls; ) {
                              InferenceResult r = call.apply(i);
                              assertThat(r.verification().disputes()).isEmpty();
                              outcomes.merge(r.verification().outcome(), 1, Integer::sum);
                            }
                          }))
              .toList();
      for (Future<?> f : running) {
        f.get();
      }
    }
    return outcomes;
  }
}
