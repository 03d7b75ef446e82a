package io.verinfer.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.FraudScoreExample;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.bindings.FraudScoreConsumer;
import io.verinfer.chain.facade.DisputeManagerFacade;
import io.verinfer.chain.facade.DisputeManagerFacade.Phase;
import io.verinfer.chain.facade.DisputeManagerFacade.Verdict;
import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Delivered;
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
 * A wrong on-chain answer is judged by real provider nodes. A provider without a node (dev account
 * 8, the only one priced within the consumer's maximum fee) answers the {@code FraudScoreConsumer}
 * with a made-up fraud score; a watcher disputes it; three honest provider nodes, drawn as the
 * committee, re-execute the real model, commit and reveal on their own; the verdict is guilty and
 * the cheater is slashed. An optimistic answer is then rejected by {@code settle}: the reserve goes
 * back to the consumer's deposit and its callback never runs. A none-mode answer was delivered (its
 * callback ran, its fee stays paid) and is disputed after delivery with {@code disputeDelivered}:
 * the nodes' committee duty takes that dispute as any other.
 */
class OptimisticCheaterIT {
  private static final int CHEATER = 8;
  private static final int CONSUMER = 6;
  private static final int CHALLENGER = 7;
  private static final Duration RESOLVE_WITHIN = Duration.ofSeconds(90);
  private static final TokenAmount STAKE = TokenAmount.ofTokens("2000");

  @TempDir Path dir;

  /** The marketplace with three honest nodes, the staked cheater and the consumer contract. */
  private record Scene(
      ModelId model, VerinferChain cheater, VerinferChain owner, FraudScoreConsumer consumer) {
    Address consumerAddress() {
      return Address.of(consumer.getContractAddress());
    }
  }

  private static Scene scene(Marketplace market) throws Exception {
    ModelId model = market.publishFraudDetect(50);
    for (int account = 9; account <= 11; account++) {
      market.startProvider(account, TokenAmount.of(1_000)); // the honest nodes: the committee
    }
    VerinferChain cheater = market.chain(CHEATER);
    cheater.token().approve(cheater.providers().address(), STAKE);
    cheater.providers().stake(STAKE);
    cheater.providers().register("https://cheater.test", Bytes32.ZERO);
    cheater.providers().setModel(model, TokenAmount.of(500));
    VerinferChain owner = market.chain(CONSUMER);
    // a max fee of 600: only the cheater (500) asks so little
    FraudScoreConsumer consumer =
        FraudScoreExample.deploy(owner, model, TokenAmount.of(600), TokenAmount.of(10_000));
    return new Scene(model, cheater, owner, consumer);
  }

  private static byte[] madeUpScore() {
    return CanonicalTensors.encode(
        List.of(Tensor.ofFloats(FraudDetectPack.OUTPUT, new long[] {1, 1}, new float[] {0.5f})));
  }

  private static VerinferChain challenger(Marketplace market) {
    VerinferChain challenger = market.chain(CHALLENGER);
    challenger
        .token()
        .approve(
            challenger.disputes().address(), challenger.params().disputeParams().disputeBond());
    return challenger;
  }

  /** Draws the committee and lets the nodes judge; returns the resolved dispute. */
  private static DisputeManagerFacade.DisputeInfo judged(
      VerinferChain challenger, VerinferChain owner, long disputeId) throws InterruptedException {
    SharedDevnet.mine(); // the anchor block; then the challenger draws the committee
    challenger.disputes().drawCommittee(disputeId);
    DisputeManagerFacade disputes = owner.disputes();
    long deadline = System.nanoTime() + RESOLVE_WITHIN.toNanos();
    // the chain only moves when blocks come: mine one every 200 ms, as a live chain would
    while (disputes.dispute(disputeId).phase() != Phase.RESOLVED && System.nanoTime() < deadline) {
      SharedDevnet.mine();
      Thread.sleep(200);
    }
    var resolved = disputes.dispute(disputeId);
    assertThat(resolved.phase()).as("resolved within %s", RESOLVE_WITHIN).isEqualTo(Phase.RESOLVED);
    return resolved;
  }

  @Test
  void aChallengedWrongAnswerIsJudgedByNodesAndNeverDelivered() throws Exception {
    try (Marketplace market = Marketplace.open(dir)) {
      Scene scene = scene(market);
      VerinferChain cheater = scene.cheater();
      InferenceCoordinatorFacade coordinator = scene.owner().coordinator();
      FraudScoreConsumer consumer = scene.consumer();
      Address consumerAddress = scene.consumerAddress();
      List<BigInteger> features = FraudScoreExample.micros(Marketplace.features(3).toFloats());
      TxResult sent =
          scene
              .owner()
              .sender()
              .send(
                  consumerAddress.value(),
                  consumer.requestScoreOptimistic(features).encodeFunctionCall());
      Requested r = coordinator.requested(sent).get(0);
      assertThat(r.ticket().provider()).isEqualTo(cheater.account());
      TokenAmount depositAfterRequest = coordinator.depositOf(consumerAddress);

      Proposed p =
          coordinator
              .proposed(cheater.coordinator().fulfil(r.id(), r.ticket(), madeUpScore()))
              .get(0);
      VerinferChain challenger = challenger(market);
      long disputeId =
          challenger.coordinator().challenge(r.id(), p.ticket(), r.input(), p.output());
      var resolved = judged(challenger, scene.owner(), disputeId);
      assertThat(resolved.accused()).containsExactly(cheater.account());
      assertThat(resolved.committee()).isNotEmpty().doesNotContain(cheater.account());
      assertThat(resolved.seats()).isEqualTo(3);
      assertThat(resolved.verdicts()).containsExactly(Verdict.GUILTY);
      assertThat(cheater.providers().stakeOf(cheater.account())).isLessThan(STAKE);

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

  @Test
  void aDeliveredWrongAnswerIsJudgedByNodesAndSlashed() throws Exception {
    try (Marketplace market = Marketplace.open(dir)) {
      Scene scene = scene(market);
      VerinferChain cheater = scene.cheater();
      InferenceCoordinatorFacade coordinator = scene.owner().coordinator();
      FraudScoreConsumer consumer = scene.consumer();
      List<BigInteger> features = FraudScoreExample.micros(Marketplace.features(3).toFloats());
      TxResult sent =
          scene
              .owner()
              .sender()
              .send(
                  scene.consumerAddress().value(),
                  consumer.requestScore(features).encodeFunctionCall());
      Requested r = coordinator.requested(sent).get(0);
      assertThat(r.ticket().provider()).isEqualTo(cheater.account());

      Delivered d =
          coordinator
              .delivered(cheater.coordinator().fulfil(r.id(), r.ticket(), madeUpScore()))
              .get(0);
      assertThat(consumer.answered(BigInteger.valueOf(r.id())).send()).isTrue(); // callback ran
      VerinferChain challenger = challenger(market);
      long disputeId =
          challenger
              .coordinator()
              .disputeDelivered(r.id(), r.ticket(), d.disputeUntil(), r.input(), d.output());
      var resolved = judged(challenger, scene.owner(), disputeId);
      assertThat(resolved.accused()).containsExactly(cheater.account());
      assertThat(resolved.committee()).isNotEmpty().doesNotContain(cheater.account());
      assertThat(resolved.verdicts()).containsExactly(Verdict.GUILTY);
      TokenAmount slashed = STAKE.minus(cheater.providers().stakeOf(cheater.account()));
      assertThat(slashed).isEqualTo(TokenAmount.ofTokens("200")); // slashBps 10 % of 2,000
      System.out.printf(
          "none-mode request %d: made-up answer delivered, then disputed: dispute %d %s by %s;"
              + " %s slashed, fee %s not refunded%n",
          r.id(),
          disputeId,
          resolved.verdicts(),
          resolved.committee(),
          slashed.toTokens() + " VRF",
          r.ticket().fee());
    }
  }
}
