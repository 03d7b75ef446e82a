package io.verinfer.chain;

import static io.verinfer.chain.testing.Reverts.assertReverts;
import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.bindings.FraudScoreConsumer;
import io.verinfer.chain.facade.DisputeManagerFacade.Verdict;
import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Proposed;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Optimistic on-chain requests on the devnet: the answer is only proposed by {@code fulfil}; it
 * reaches the callback after the challenge window passes unchallenged, or after the dispute
 * committee clears it. A challenged answer the committee finds wrong never reaches the callback:
 * the reserve goes back to the requester and the provider is slashed.
 */
class OptimisticInferenceIT extends CourtScene {
  private static final int GUILTY = 1;
  private static final int INNOCENT = 0;

  private FraudScoreConsumer consumer;
  private Address consumerAddress;

  @BeforeEach
  void setUp() throws Exception {
    consumer = court.fraudScoreConsumer(TokenAmount.of(50), TokenAmount.of(1_000));
    consumerAddress = Address.of(consumer.getContractAddress());
  }

  private Requested requestOptimistic() {
    Requested r = coordinator.requested(court.requestScore(consumer, true)).get(0);
    assertThat(r.ticket().mode()).isEqualTo(InferenceCoordinatorFacade.MODE_OPTIMISTIC);
    return r;
  }

  private static byte[] score(float value) {
    return CanonicalTensors.encode(
        List.of(Tensor.ofFloats("probabilities", new long[] {1, 1}, new float[] {value})));
  }

  private Proposed propose(Requested r, byte[] output) {
    TxResult tx =
        court.providerAt(r.ticket().provider()).coordinator().fulfil(r.id(), r.ticket(), output);
    List<Proposed> proposed = coordinator.proposed(tx);
    assertThat(proposed).hasSize(1);
    return proposed.get(0);
  }

  private boolean answered(long id) throws Exception {
    return consumer.answered(BigInteger.valueOf(id)).send();
  }

  private void windowPasses(Proposed p) {
    SharedDevnet.increaseTime(
        p.ticket().deadline().getEpochSecond() - SharedDevnet.latestTimestamp() + 1);
  }

  @Test
  void anUnchallengedAnswerArrivesAfterTheWindow() throws Exception {
    Requested r = requestOptimistic();
    Proposed p = propose(r, score(0.5f));
    assertThat(p.ticket().proposed()).isTrue();
    assertThat(answered(r.id())).isFalse(); // proposed, not delivered
    assertReverts(() -> coordinator.settle(r.id(), p.ticket(), p.output()), "ChallengeWindowOpen");
    // the provider cannot answer twice, with the old ticket or the proposed one
    var provider = court.providerAt(r.ticket().provider()).coordinator();
    assertReverts(() -> provider.fulfil(r.id(), r.ticket(), score(0.1f)), "RequestNotPending");
    assertReverts(() -> provider.fulfil(r.id(), p.ticket(), score(0.1f)), "AlreadyAnswered");

    windowPasses(p);
    assertReverts(
        () -> court.challenger().coordinator().challenge(r.id(), p.ticket(), r.input(), p.output()),
        "ChallengeWindowClosed");
    coordinator.settle(r.id(), p.ticket(), p.output());
    assertThat(answered(r.id())).isTrue();
    assertThat(consumer.scoreOf(BigInteger.valueOf(r.id())).send()).isEqualTo(500_000);
    assertThat(coordinator.earningsOf(r.ticket().provider())).isEqualTo(TokenAmount.of(9));
    assertThat(coordinator.isPending(r.id())).isFalse();
  }

  @Test
  void aChallengedWrongAnswerNeverReachesTheCallback() throws Exception {
    Requested r = requestOptimistic();
    Address cheater = r.ticket().provider();
    TokenAmount stakeBefore = court.challenger().providers().stakeOf(cheater);
    Proposed p = propose(r, score(0.99f)); // the committee will find this wrong
    var challenger = court.challenger().coordinator();
    assertReverts(
        () -> challenger.challenge(r.id(), p.ticket(), score(1), p.output()), "InputMismatch");
    assertReverts(
        () -> challenger.challenge(r.id(), p.ticket(), r.input(), score(0.5f)), "OutputMismatch");
    long disputeId = challenger.challenge(r.id(), p.ticket(), r.input(), p.output());
    assertThat(disputeId).isPositive();
    assertReverts(
        () -> challenger.challenge(r.id(), p.ticket(), r.input(), p.output()), "AlreadyChallenged");
    // the committee reads the input and the proposed output from the dispute's event
    var opened =
        court.challenger().disputes().findOpened(disputeId, r.block(), p.block() + 5).orElseThrow();
    assertThat(opened.accused()).containsExactly(cheater);
    assertThat(opened.input()).isEqualTo(r.input());
    assertThat(opened.outputs().get(0)).isEqualTo(p.output());

    windowPasses(p); // the window closing does not deliver a challenged answer
    assertReverts(() -> coordinator.settle(r.id(), p.ticket(), p.output()), "DisputeUnresolved");
    court.committeeVotes(disputeId, GUILTY);
    assertThat(court.challenger().disputes().dispute(disputeId).verdicts())
        .containsExactly(Verdict.GUILTY);

    TokenAmount depositBefore = coordinator.depositOf(consumerAddress);
    coordinator.settle(r.id(), p.ticket(), p.output());
    assertThat(answered(r.id())).isFalse(); // never delivered
    assertThat(coordinator.isPending(r.id())).isFalse();
    assertThat(coordinator.depositOf(consumerAddress))
        .isEqualTo(depositBefore.plus(r.ticket().fee()));
    assertThat(coordinator.earningsOf(cheater)).isEqualTo(TokenAmount.ZERO);
    assertThat(court.challenger().providers().stakeOf(cheater)).isLessThan(stakeBefore);
  }

  @Test
  void aChallengedRightAnswerIsDeliveredOnceCleared() throws Exception {
    Requested r = requestOptimistic();
    Proposed p = propose(r, score(0.25f));
    long disputeId =
        court.challenger().coordinator().challenge(r.id(), p.ticket(), r.input(), p.output());
    court.committeeVotes(disputeId, INNOCENT);
    coordinator.settle(r.id(), p.ticket(), p.output());
    assertThat(answered(r.id())).isTrue();
    assertThat(consumer.scoreOf(BigInteger.valueOf(r.id())).send()).isEqualTo(250_000);
    assertThat(coordinator.earningsOf(r.ticket().provider())).isEqualTo(TokenAmount.of(9));
  }
}
