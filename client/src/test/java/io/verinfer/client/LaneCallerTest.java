package io.verinfer.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.client.ScriptedProvider.Mode;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.LocalKeySigner;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;

/**
 * One paid call against a provider on real loopback HTTP that refuses, lies, crashes, stalls and
 * races: the client checks every receipt, keeps its lane in step with what the provider holds and
 * never pays one call twice.
 */
class LaneCallerTest {
  private static final LocalKeySigner CONSUMER =
      LocalKeySigner.of(ECKeyPair.create(BigInteger.valueOf(31337)));
  private static final Eip712Domain DOMAIN =
      Eip712Domain.verinfer(31337, Address.of("0x00000000000000000000000000000000000000bb"));
  private static final ModelId MODEL = ModelId.of(7);
  private static final TokenAmount PRICE = TokenAmount.of(250);

  @TempDir Path dir;
  private ScriptedProvider provider;
  private LaneStore store;
  private ClientLanes lanes;
  private ProviderHttp http;
  private LaneCaller caller;
  private ProviderOffer offer;
  private int nextInput;

  @BeforeEach
  void start() {
    provider = new ScriptedProvider(DOMAIN);
    store = new SqliteLaneStore(dir.resolve("lanes.db"));
    http = new ProviderHttp(Duration.ofMillis(700));
    lanes = new ClientLanes(store);
    caller = new LaneCaller(CONSUMER, DOMAIN, lanes, http, Clock.systemUTC());
    offer =
        new ProviderOffer(ScriptedProvider.KEY.address(), URI.create(provider.baseUrl()), PRICE);
  }

  @AfterEach
  void stop() {
    http.close();
    lanes.close();
    store.close();
    provider.close();
  }

  private InferenceResult call() {
    List<Tensor> inputs =
        List.of(Tensor.ofFloats("x", new long[] {1, 2}, new float[] {nextInput++, 0.1f}));
    return caller.call(offer, LaneCaller.Request.tensors(MODEL, inputs));
  }

  private ClientLane lane() {
    return lanes.get(new LaneKey(CONSUMER.address(), offer.provider(), MODEL));
  }

  private long newestSigned() {
    return lane().newestSigned().orElseThrow().voucher().cumulativeCalls();
  }

  private static long calls(InferenceResult r) {
    return r.receipt().receipt().cumulativeCalls();
  }

  @Test
  void anHonestProviderIsPaidOnePricePerCall() {
    for (int i = 1; i <= 3; i++) {
      InferenceResult r = call();
      assertThat(calls(r)).isEqualTo(i);
      assertThat(r.receipt().receipt().cumulativeAmount()).isEqualTo(PRICE.times(i));
      assertThat(r.output("y").toFloats()[0]).isEqualTo(2f * (i - 1));
    }
    assertThat(lanes.outstanding()).isEmpty();
    lanes.flush();
    assertThat(store.newest(lane().key()).orElseThrow().voucher().cumulativeCalls()).isEqualTo(3);
  }

  @Test
  void concurrentCallsOnOneLaneEachPayWithTheirOwnVoucher() throws Exception {
    List<Long> numbers = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(16)) {
      List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
      for (int t = 0; t < 16; t++) {
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 5; i++) {
                    numbers.add(calls(call()));
                  }
                }));
      }
      for (var f : done) {
        f.get();
      }
    }
    assertThat(numbers).hasSize(80).doesNotHaveDuplicates().allMatch(c -> c >= 1 && c <= 80);
    assertThat(provider.answered()).hasSize(80);
    assertThat(newestSigned()).isEqualTo(80);
  }

  @Test
  void aRefusalCarriesTheNodeCodeAndTheSameVoucherIsSentAgain() {
    call();
    provider.next(Mode.REFUSE_INSUFFICIENT_DEPOSIT);
    assertThatThrownBy(this::call)
        .isInstanceOfSatisfying(
            ProviderRefusedException.class,
            e -> {
              assertThat(e.errorCode()).contains(ErrorCode.INSUFFICIENT_DEPOSIT);
              assertThat(e.httpStatus()).isEqualTo(402);
              assertThat(e.field()).contains("X-Verinfer-Voucher");
              assertThat(e.getMessage()).contains("deposit more");
            });
    assertThat(lanes.outstanding()).hasSize(1);
    var refused = lanes.outstanding().get(0);
    InferenceResult r = call();
    assertThat(calls(r)).as("the refused call number is used, not skipped").isEqualTo(2);
    assertThat(lane().newestSigned()).as("the very same signed voucher").contains(refused);
    assertThat(lanes.outstanding()).isEmpty();
  }

  /**
   * A 429 is this provider's limit, not the request's fault: the call fails over (another provider
   * would not refuse it for that), and the voucher the provider never took is sent again.
   */
  @Test
  void aRateLimitFailsOverAndTheVoucherIsSentAgain() {
    call();
    provider.next(Mode.RATE_LIMITED);
    assertThatThrownBy(this::call)
        .isInstanceOf(ProviderUnavailableException.class)
        .hasMessageContaining("429 RATE_LIMITED");
    InferenceResult r = call();
    assertThat(calls(r)).as("the refused call number is used, not skipped").isEqualTo(2);
    assertThat(lanes.outstanding()).isEmpty();
  }

  @Test
  void aReceiptOverOtherOutputsOrByAnotherKeyIsRejectedAndNotPaidAgain() {
    call();
    provider.next(Mode.WRONG_OUTPUT_HASH);
    assertThatThrownBy(this::call)
        .isInstanceOfSatisfying(
            InvalidReceiptException.class,
            e -> {
              assertThat(e.getMessage()).contains("outputHash");
              assertThat(e.receipt()).isPresent();
            });
    provider.next(Mode.SIGNED_BY_SOMEONE_ELSE);
    assertThatThrownBy(this::call)
        .isInstanceOf(InvalidReceiptException.class)
        .hasMessageContaining("not signed by");
    InferenceResult r = call();
    assertThat(calls(r)).as("the provider kept #2 and #3: the next call is #4").isEqualTo(4);
    assertThat(provider.inferCalls()).isEqualTo(4);
  }

  @Test
  void aReplyLostAfterTheCommitIsLearnedFromTheLaneEndpoint() {
    call();
    provider.next(Mode.FAIL_500_AFTER_COMMIT);
    assertThatThrownBy(this::call)
        .isInstanceOf(ProviderUnavailableException.class)
        .hasMessageContaining("500");
    assertThat(lanes.outstanding()).as("the lane endpoint says #2 was answered").isEmpty();
    assertThat(calls(call())).isEqualTo(3);
  }

  @Test
  void aTimedOutCallThatTheProviderKeptIsNotPaidAgain() throws Exception {
    call();
    provider.next(Mode.SLOW_AFTER_COMMIT);
    assertThatThrownBy(this::call)
        .isInstanceOf(ProviderUnavailableException.class)
        .hasMessageContaining("no answer");
    Thread.sleep(1_000); // the slow answer finishes on the provider's side
    assertThat(calls(call())).isEqualTo(3);
    assertThat(provider.heldCalls()).isEqualTo(3);
  }

  @Test
  void aStaleRefusalMakesTheClientLearnTheLaneAndTryAgain() {
    call();
    provider.next(Mode.STALE_AFTER_LATE_COMMIT);
    InferenceResult r = call();
    assertThat(calls(r)).as("#2 landed late, so this result is paid with #3").isEqualTo(3);
    assertThat(provider.inferCalls()).isEqualTo(3);
  }

  @Test
  void aClientThatLostItsStateContinuesAfterWhatTheProviderHolds() {
    for (int i = 0; i < 4; i++) {
      call();
    }
    lanes.close();
    store.close();
    store = new SqliteLaneStore(dir.resolve("other-lanes.db")); // a new, empty state directory
    lanes = new ClientLanes(store);
    caller = new LaneCaller(CONSUMER, DOMAIN, lanes, http, Clock.systemUTC());
    InferenceResult r = call();
    assertThat(calls(r)).as("#1 is stale; the provider holds #4, signed by this key").isEqualTo(5);
    assertThat(r.receipt().receipt().cumulativeAmount()).isEqualTo(PRICE.times(5));
  }

  @Test
  void aRefusalBelowThePriceRestartsNumberingAfterWhatTheProviderHolds() {
    call();
    provider.next(Mode.REFUSE_BELOW_PRICE);
    InferenceResult r = call();
    assertThat(calls(r)).as("#2 was refused, so #2 is signed anew").isEqualTo(2);
    assertThat(provider.inferCalls()).isEqualTo(3);
  }

  @Test
  void aProviderClaimingMoreThanWasEverSignedIsNotPaidOnThatLane() {
    call();
    provider.next(Mode.CLAIM_MORE_ON_LANE);
    assertThatThrownBy(this::call)
        .isInstanceOf(LaneConflictException.class)
        .hasMessageContaining("reports holding");
    assertThat(provider.inferCalls()).as("nothing sent after the claim").isEqualTo(2);
  }

  @Test
  void anUnreachableProviderIsReportedAndTheVoucherKeptForLater() {
    call();
    provider.close();
    assertThatThrownBy(this::call).isInstanceOf(ProviderUnavailableException.class);
    assertThat(newestSigned()).isEqualTo(2);
    assertThat(lanes.outstanding()).hasSize(1);
    assertThatThrownBy(this::call)
        .isInstanceOf(ProviderUnavailableException.class)
        .hasMessageContaining("no answer");
    assertThat(newestSigned()).as("#2 was sent again: nothing new signed").isEqualTo(2);
    assertThat(lanes.outstanding()).hasSize(1);
  }
}
