package io.verinfer.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.client.ScriptedTextProvider.Mode;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.LocalKeySigner;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import io.verinfer.protocol.text.TextPrice;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;

/**
 * Paid text streams against a provider on real loopback HTTP that speaks the node's wire format
 * and, when told, lies in its checkpoints: the client checks every checkpoint before paying, pays
 * exactly the checked tokens' price through one voucher sender per lane (the provider refuses any
 * voucher that is not monotonic), and stops paying at the first lie, keeping the evidence.
 */
class TextStreamTest {
  private static final LocalKeySigner CONSUMER =
      LocalKeySigner.of(ECKeyPair.create(BigInteger.valueOf(31337)));
  private static final Eip712Domain DOMAIN =
      Eip712Domain.verinfer(31337, Address.of("0x00000000000000000000000000000000000000bb"));
  private static final ModelId MODEL = ModelId.of(9);
  private static final TextPrice PRICE = new TextPrice(TokenAmount.of(10), TokenAmount.of(25));

  @TempDir Path dir;
  private ScriptedTextProvider provider;
  private LaneStore store;
  private ClientLanes lanes;
  private ProviderHttp http;
  private TextCaller texts;
  private ProviderOffer offer;

  @BeforeEach
  void start() {
    provider = new ScriptedTextProvider(DOMAIN, MODEL, PRICE);
    store = new SqliteLaneStore(dir.resolve("lanes.db"));
    http = new ProviderHttp(Duration.ofSeconds(5));
    lanes = new ClientLanes(store);
    LaneCaller caller = new LaneCaller(CONSUMER, DOMAIN, lanes, http, Clock.systemUTC());
    texts =
        new TextCaller(
            CONSUMER,
            DOMAIN,
            lanes,
            http,
            caller,
            Clock.systemUTC(),
            Duration.ofSeconds(5),
            Duration.ofMinutes(1));
    offer =
        new ProviderOffer(
            ScriptedTextProvider.KEY.address(), URI.create(provider.baseUrl()), PRICE.output());
  }

  @AfterEach
  void stop() {
    http.close();
    lanes.close();
    store.close();
    provider.close();
  }

  private TextStream open(String prompt, int maxTokens) {
    return texts.open(
        offer,
        MODEL,
        texts.seeded(
            TextGeneration.chat(List.of(ChatMessage.user(prompt)))
                .withMaxTokens(maxTokens)
                .withTemperature(0)));
  }

  private TokenAmount providerHolds() {
    var newest = provider.newest();
    return newest == null ? TokenAmount.ZERO : newest.voucher().cumulativeAmount();
  }

  @Test
  void aStreamDeliversEveryTokenAndPaysExactlyTheirPrice() {
    List<TextDelta> deltas = new ArrayList<>();
    TextResult r;
    try (TextStream s = open("hello", 10)) {
      assertThat(s.promptTokens()).isEqualTo(5);
      s.forEachRemaining(deltas::add);
      r = s.result();
    }
    assertThat(deltas).hasSize(10);
    assertThat(r.completionTokens()).isEqualTo(10);
    assertThat(r.promptTokens()).isEqualTo(5);
    assertThat(r.finishReason()).isEqualTo("length");
    assertThat(r.text()).isEqualTo(String.join("", deltas.stream().map(TextDelta::text).toList()));
    TokenAmount cost = PRICE.cost(5, 10);
    assertThat(r.amount()).isEqualTo(cost);
    assertThat(r.receipt().receipt().cumulativeAmount()).isEqualTo(cost);
    assertThat(r.receipt().receipt().outputHash()).isEqualTo(r.output().hash());
    assertThat(r.receipt().receipt().inputHash()).isEqualTo(r.request().hash());
    assertThat(providerHolds()).isEqualTo(cost);
    assertThat(provider.newest().voucher().cumulativeCalls()).isEqualTo(1);

    TextResult second = open("hi", 3).complete();
    assertThat(second.call()).isEqualTo(2);
    assertThat(providerHolds()).isEqualTo(cost.plus(PRICE.cost(2, 3)));
    assertThat(provider.refusals()).isEmpty();
  }

  @Test
  void concurrentStreamsOnOneLanePayTheSumWithMonotonicVouchers() throws Exception {
    int perRound = 12;
    int rounds = 3;
    int streams = perRound * rounds;
    List<TextResult> results = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<TextResult>> running = new ArrayList<>();
        for (int i = 0; i < perRound; i++) {
          String prompt = "prompt number " + i + " of round " + round;
          int max = 9 + (7 * i) % 23;
          running.add(pool.submit(() -> open(prompt, max).complete()));
        }
        for (Future<TextResult> f : running) {
          results.add(f.get());
        }
      }
    }
    TokenAmount sum = TokenAmount.ZERO;
    for (TextResult r : results) {
      sum = sum.plus(r.amount());
      assertThat(r.amount()).isEqualTo(PRICE.cost(r.promptTokens(), r.completionTokens()));
    }
    assertThat(results.stream().map(TextResult::call).distinct()).hasSize(streams);
    assertThat(provider.refusals()).isEmpty();
    assertThat(providerHolds()).isEqualTo(sum);
    assertThat(provider.newest().voucher().cumulativeCalls()).isEqualTo(streams);
    List<Voucher> seen = provider.accepted();
    for (int i = 1; i < seen.size(); i++) {
      assertThat(seen.get(i).cumulativeAmount())
          .isGreaterThanOrEqualTo(seen.get(i - 1).cumulativeAmount());
      assertThat(seen.get(i).cumulativeCalls())
          .isGreaterThanOrEqualTo(seen.get(i - 1).cumulativeCalls());
    }
    // the lane's newest signed voucher is what the provider holds
    assertThat(
            lanes
                .get(new LaneKey(CONSUMER.address(), offer.provider(), MODEL))
                .newestSigned()
                .orElseThrow()
                .voucher()
                .cumulativeAmount())
        .isEqualTo(sum);
  }

  @Test
  void aCheckpointOverOtherTokensThanSentIsRefusedAndNotPaid() {
    provider.next(Mode.SIGN_OTHER_TOKENS);
    TextStream s = open("lying", 10);
    List<TextDelta> got = new ArrayList<>();
    assertThatThrownBy(() -> s.forEachRemaining(got::add))
        .isInstanceOfSatisfying(
            InvalidCheckpointException.class,
            e -> {
              assertThat(e.getMessage()).contains("outputHash").contains("stopped paying");
              assertThat(e.checkpoint()).isPresent();
              assertThat(e.tokens()).hasSize(ScriptedTextProvider.K);
              assertThat(e.request()).isPresent();
            });
    s.close();
    // only the prompt was paid: the first checkpoint (after K tokens) was the lie
    assertThat(providerHolds()).isEqualTo(PRICE.cost(5, 0));
    assertThat(got).hasSizeLessThan(ScriptedTextProvider.K);
  }

  @Test
  void aCheckpointClaimingMoreThanTheTokensCostIsRefusedAndNotPaid() {
    provider.next(Mode.WRONG_AMOUNT);
    try (TextStream s = open("greedy", 10)) {
      assertThatThrownBy(s::complete)
          .isInstanceOf(InvalidCheckpointException.class)
          .hasMessageContaining(
              "claims " + PRICE.cost(6, ScriptedTextProvider.K).plus(TokenAmount.of(1)));
    }
    assertThat(providerHolds()).isEqualTo(PRICE.cost(6, 0));
  }

  @Test
  void aCheckpointForAnotherInputIsRefusedAndNotPaid() {
    provider.next(Mode.WRONG_INPUT_HASH);
    try (TextStream s = open("switch", 10)) {
      assertThatThrownBy(s::complete)
          .isInstanceOf(InvalidCheckpointException.class)
          .hasMessageContaining("inputHash");
    }
    assertThat(providerHolds()).isEqualTo(PRICE.cost(6, 0));
  }

  @Test
  void anOpeningForAnotherRequestPaysNothing() {
    provider.next(Mode.WRONG_OPENING_HASH);
    assertThatThrownBy(() -> open("switch", 10))
        .isInstanceOf(InvalidCheckpointException.class)
        .hasMessageContaining("input hash");
    assertThat(providerHolds()).isEqualTo(TokenAmount.ZERO); // the opening voucher pays nothing
  }

  @Test
  void aProviderQuotingInputAboveItsOutputPriceIsRefused() {
    provider.quoteInput(TokenAmount.of(26));
    assertThatThrownBy(() -> open("x", 2))
        .isInstanceOf(ProviderUnavailableException.class)
        .hasMessageContaining("above its output price");
    assertThat(provider.accepted()).isEmpty();
  }

  @Test
  void aProviderQuotingAnotherOutputPriceThanOnChainIsRefused() {
    offer = new ProviderOffer(offer.provider(), offer.endpoint(), TokenAmount.of(24));
    assertThatThrownBy(() -> open("x", 2))
        .isInstanceOf(ProviderUnavailableException.class)
        .hasMessageContaining("on-chain at 24");
  }

  @Test
  void aRefusedRequestChargesNothingAndKeepsTheCode() {
    provider.next(Mode.REFUSE_CONTEXT);
    assertThatThrownBy(() -> open("x", 9999))
        .isInstanceOfSatisfying(
            ProviderRefusedException.class,
            e -> {
              assertThat(e.httpStatus()).isEqualTo(400);
              assertThat(e.code()).isEqualTo("CONTEXT_LENGTH_EXCEEDED");
              assertThat(e.field()).hasValue("max_tokens");
            });
    // the call number went back: the next stream opens as call 1
    assertThat(open("hello", 2).complete().call()).isEqualTo(1);
    assertThat(provider.refusals()).isEmpty();
  }

  @Test
  void aStreamClosedEarlyPaysOnlyItsCheckedCheckpoints() {
    try (TextStream s = open("early", 12)) {
      for (int i = 0; i < ScriptedTextProvider.K + 1; i++) {
        s.next();
      }
    }
    TokenAmount atFirstCheckpoint = PRICE.cost(5, ScriptedTextProvider.K);
    // the payer may still be sending the first checkpoint's voucher
    long until = System.currentTimeMillis() + 5_000;
    while (!providerHolds().equals(atFirstCheckpoint) && System.currentTimeMillis() < until) {
      Thread.onSpinWait();
    }
    assertThat(providerHolds()).isEqualTo(atFirstCheckpoint);
  }
}
