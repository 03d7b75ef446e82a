package io.verinfer.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.FraudScoreExample;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.bindings.FraudScoreConsumer;
import io.verinfer.chain.facade.DisputeManagerFacade;
import io.verinfer.chain.facade.DisputeManagerFacade.Phase;
import io.verinfer.chain.facade.DisputeManagerFacade.Verdict;
import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Proposed;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.runtime.packs.train.FraudDetectPack;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An optimistic on-chain answer that is wrong never reaches the callback: a provider without a node
 * (dev account 8, the only one priced within the consumer's maximum fee) proposes a made-up fraud
 * score for the {@code FraudScoreConsumer}'s optimistic request; a watcher challenges it within the
 * window; three honest provider nodes, drawn as the committee, re-execute the real model, commit
 * and reveal on their own; the verdict is guilty, the cheater is slashed, and {@code settle}
 * rejects the answer: the reserve goes back to the consumer's deposit and its callback never runs.
 */
class OptimisticCheaterIT {
  private static final int CHEATER = 8;
  private static final int CONSUMER = 6;
  private static final int CHALLENGER = 7;
  private static final Duration RESOLVE_WITHIN = Duration.ofSeconds(90);

  @TempDir Path dir;

  @Test
  void aChallengedWrongAnswerIsJudgedByNodesAndNeverDelivered() throws Exception {
    try (Marketplace market = Marketplace.open(dir)) {
      ModelId model = market.publishFraudDetect(TokenAmount.of(10));
      for (int account = 9; account <= 11; account++) {
        market.startProvider(account, TokenAmount.of(1_000)); // the honest nodes: the committee
      }
      VerinferChain cheater = market.chain(CHEATER);
      TokenAmount stake = TokenAmount.ofTokens("2000");
      cheater.token().approve(cheater.providers().address(), stake);
      cheater.providers().stake(stake);
      cheater.providers().register("https://cheater.test", Bytes32.ZERO);
      cheater.providers().setModel(model, TokenAmount.of(500));

      VerinferChain owner = market.chain(CONSUMER);
      InferenceCoordinatorFacade coordinator = owner.coordinator();
      // a max fee of 600: only the cheater (500) asks so little
      FraudScoreConsumer consumer =
          FraudScoreExample.deploy(owner, model, TokenAmount.of(600), TokenAmount.of(10_000));
      Address consumerAddress = Address.of(consumer.getContractAddress());
      List<BigInteger> features = FraudScoreExample.micros(Marketplace.features(3).toFloats());
      TxResult sent =
          owner
              .sender()
              .send(
                  consumerAddress.value(),
                  consumer.requestScoreOptimistic(features).encodeFunctionCall());
      Requested r = coordinator.requested(sent).get(0);
      assertThat(r.ticket().provider()).isEqualTo(cheater.account());
      TokenAmount depositAfterRequest = coordinator.depositOf(consumerAddress);

      byte[] madeUp =
          CanonicalTensors.encode(
              List.of(
                  Tensor.ofFloats(FraudDetectPack.OUTPUT, new long[] {1, 1}, new float[] {0.5f})));
      Proposed p =
          coordinator.proposed(cheater.coordinator().fulfil(r.id(), r.ticket(), madeUp)).get(0);

      VerinferChain challenger = market.chain(CHALLENGER);
      challenger
          .token()
          .approve(
              challenger.disputes().address(), challenger.params().disputeParams().disputeBond());
      long disputeId =
          challenger.coordinator().challenge(r.id(), p.ticket(), r.input(), p.output());

      SharedDevnet.mine(); // the anchor block; then the challenger draws the committee
      challenger.disputes().drawCommittee(disputeId);
      DisputeManagerFacade disputes = owner.disputes();
      long deadline = System.nanoTime() + RESOLVE_WITHIN.toNanos();
      // the chain only moves when blocks come: mine one every 200 ms, as a live chain would
      while (disputes.dispute(disputeId).phase() != Phase.RESOLVED
          && System.nanoTime() < deadline) {
        SharedDevnet.mine();
        Thread.sleep(200);
      }
      var resolved = disputes.dispute(disputeId);
      assertThat(resolved.phase())
          .as("resolved within %s", RESOLVE_WITHIN)
          .isEqualTo(Phase.RESOLVED);
      assertThat(resolved.accused()).containsExactly(cheater.account());
      assertThat(resolved.committee()).isNotEmpty().doesNotContain(cheater.account());
      assertThat(resolved.seats()).isEqualTo(3);
      assertThat(resolved.verdicts()).containsExactly(Verdict.GUILTY);
      assertThat(cheater.providers().stakeOf(cheater.account())).isLessThan(stake);

      coordinator.settle(r.id(), p.ticket(), p.output());
      assertThat(consumer.answered(BigInteger.valueOf(r.id())).send()).isFalse();
      assertThat(coordinator.isPending(r.id())).isFalse();
      assertThat(coordinator.depositOf(consumerAddress))
          .isEqualTo(depositAfterRequest.plus(r.ticket().fee()));
      assertThat(coordinator.earningsOf(cheater.account())).isEqualTo(TokenAmount.ZERO);
      System.out.printf(
          "optimistic request %d: made-up answer challenged, dispute %d %s by %s; rejected,"
              + " callback never ran, %s refunded%n",
          r.id(), disputeId, resolved.verdicts(), resolved.committee(), r.ticket().fee());
    }
  }
}
