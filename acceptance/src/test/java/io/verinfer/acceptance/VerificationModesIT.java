package io.verinfer.acceptance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.acceptance.Marketplace.Provider;
import io.verinfer.chain.facade.DisputeManagerFacade;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.InferenceResult;
import io.verinfer.client.NoProviderAvailableException;
import io.verinfer.client.Routing;
import io.verinfer.client.Verification;
import io.verinfer.client.VerificationReport.Outcome;
import io.verinfer.client.VerinferClient;
import io.verinfer.node.faults.FaultInjection;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.OutputComparator;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK's verification modes against real paid providers, one of which corrupts every answer:
 * {@code redundant(3)} always returns the honest answer and disputes the cheater; {@code
 * sampled(p)} re-runs the drawn calls on an independent provider and disputes a disagreement; two
 * honest providers agree; a request for more providers than exist is refused.
 */
class VerificationModesIT {
  private static final int CONSUMER = 4;
  private static final TokenAmount PRICE = TokenAmount.of(1_000);

  @TempDir Path dir;

  @Test
  void redundancyReturnsTheHonestAnswerAndDisputesTheCheater() {
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishFraudDetect(50);
      Provider honestA = market.startProvider(8, PRICE);
      Provider honestB = market.startProvider(9, PRICE);
      Provider cheater = market.startProvider(10, PRICE, new FaultInjection(1.0, 7));
      VerinferClient client = market.consumer(CONSUMER, ClientOptions.defaults());
      client.deposit(TokenAmount.ofTokens("10"));
      DisputeManagerFacade disputes = market.chain(0).disputes();

      List<Tensor> inputs = List.of(Marketplace.features(1));
      InferenceResult honest = client.infer(model, inputs, Routing.only(honestA.address()));
      InferenceResult checked =
          client.infer(model, inputs, Routing.any(), Verification.redundant(3));

      assertThat(checked.verification().mode()).isEqualTo(Verification.redundant(3));
      assertThat(checked.verification().outcome()).isEqualTo(Outcome.MISMATCH);
      assertThat(checked.verification().providers())
          .containsExactlyInAnyOrder(honestA.address(), honestB.address(), cheater.address());
      assertThat(checked.verification().dissenters()).containsExactly(cheater.address());
      assertThat(checked.provider()).isNotEqualTo(cheater.address());
      assertThat(OutputComparator.agree(checked.outputs(), honest.outputs(), 1_000)).isTrue();
      // the cheater's receipt is disputed together with the majority's
      assertThat(checked.verification().disputes()).hasSize(1);
      long id = checked.verification().disputes().get(0);
      var dispute = disputes.dispute(id);
      assertThat(dispute.accused()).containsExactly(cheater.address(), checked.provider());
      assertThat(dispute.inputHash()).isEqualTo(CanonicalTensors.hash(inputs));
      assertThat(dispute.phase()).isEqualTo(DisputeManagerFacade.Phase.DRAWING);
      assertThat(dispute.challenger()).isEqualTo(client.address());

      // every call, whatever the input: the answer is the honest one
      for (int i = 2; i < 22; i++) {
        List<Tensor> in = List.of(Marketplace.features(i));
        InferenceResult r = client.infer(model, in, Routing.any(), Verification.redundant(3));
        InferenceResult reference = client.infer(model, in, Routing.only(honestB.address()));
        assertThat(r.provider()).isNotEqualTo(cheater.address());
        assertThat(r.outputs()).isEqualTo(reference.outputs());
        assertThat(r.verification().dissenters()).containsExactly(cheater.address());
      }
      // all three were paid (k x the price): each lane's newest voucher covers its calls
      var calls = java.util.Map.of(honestA, 22L, honestB, 41L, cheater, 21L);
      for (var e : calls.entrySet()) {
        var v = client.newestVoucher(e.getKey().address(), model).orElseThrow().voucher();
        assertThat(v.cumulativeCalls()).as(e.getKey().toString()).isEqualTo(e.getValue());
        assertThat(v.cumulativeAmount().baseUnits().longValueExact())
            .as(e.getKey().toString())
            .isEqualTo(PRICE.baseUnits().longValueExact() * e.getValue());
      }
    }
  }

  @Test
  void samplingChecksTheDrawnShareAndDisputesADisagreement() {
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishFraudDetect(50);
      Provider honest = market.startProvider(8, PRICE);
      Provider cheater = market.startProvider(10, PRICE, new FaultInjection(1.0, 7));
      Provider other = market.startProvider(9, PRICE);
      VerinferClient client =
          market.consumer(CONSUMER, ClientOptions.defaults().withSampler(new SplittableRandom(42)));
      client.deposit(TokenAmount.ofTokens("10"));

      // two honest providers: every drawn check agrees
      Routing honestOnly = Routing.only(honest.address(), other.address());
      int checkedCalls = 0;
      for (int i = 0; i < 20; i++) {
        InferenceResult r =
            client.infer(
                model, List.of(Marketplace.features(i)), honestOnly, Verification.sampled(0.5));
        Outcome outcome = r.verification().outcome();
        assertThat(outcome).isIn(Outcome.NOT_CHECKED, Outcome.AGREED);
        if (outcome == Outcome.AGREED) {
          checkedCalls++;
          assertThat(r.verification().providers()).doesNotHaveDuplicates().hasSize(2);
        }
        assertThat(r.verification().disputes()).isEmpty();
      }
      assertThat(checkedCalls).isBetween(3, 17); // about half of 20, seeded

      // an honest provider and a cheater: every checked call disagrees and is disputed
      Routing mixed = Routing.only(honest.address(), cheater.address());
      InferenceResult r =
          client.infer(model, List.of(Marketplace.features(99)), mixed, Verification.sampled(1.0));
      assertThat(r.verification().outcome()).isEqualTo(Outcome.MISMATCH);
      assertThat(r.verification().providers())
          .containsExactlyInAnyOrder(honest.address(), cheater.address());
      assertThat(r.verification().disputes()).hasSize(1);
      var dispute = market.chain(0).disputes().dispute(r.verification().disputes().get(0));
      assertThat(dispute.accused()).containsExactlyInAnyOrder(honest.address(), cheater.address());

      // no independent provider: the check is skipped and said so, the answer still comes
      InferenceResult alone =
          client.infer(
              model,
              List.of(Marketplace.features(5)),
              Routing.only(honest.address()),
              Verification.sampled(1.0));
      assertThat(alone.verification().outcome()).isEqualTo(Outcome.SKIPPED);
      assertThat(alone.verification().note()).contains("no independent provider");

      assertThatThrownBy(
              () ->
                  client.infer(
                      model,
                      List.of(Marketplace.features(6)),
                      Routing.only(honest.address()),
                      Verification.redundant(2)))
          .isInstanceOf(NoProviderAvailableException.class)
          .hasMessageContaining("redundant(2) needs 2 eligible providers");
    }
  }
}
