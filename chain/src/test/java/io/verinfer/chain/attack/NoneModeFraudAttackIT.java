package io.verinfer.chain.attack;

import static io.verinfer.chain.testing.Reverts.assertReverts;
import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.CourtScene;
import io.verinfer.chain.bindings.FraudScoreConsumer;
import io.verinfer.chain.facade.DisputeManagerFacade.Verdict;
import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Delivered;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.chain.testing.Court;
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
 * Finding 8 (none mode): a delivered {@code MODE_NONE} answer could never be disputed. {@code
 * fulfil} paid the provider, ran the callback and deleted the ticket in one transaction, so nothing
 * on chain knew the answer afterwards. Against the old contract the assigned provider answered a
 * {@code FraudScoreConsumer} request with a wrong score (0.99): both challenges tried (with the
 * requested ticket, and with that ticket carrying the output's hash) reverted {@code
 * RequestNotPending}, no dispute existed, and the cheater <b>earned 9</b> (its share of the 10 fee)
 * and <b>lost 0</b> of its 2,000-token stake.
 *
 * <p>Now the delivery keeps the request's slot for {@code challengeWindow}: anyone holding the
 * input ({@code InferenceRequested}) and the output ({@code InferenceDelivered}) may {@code
 * disputeDelivered}; the committee re-executes; a guilty provider loses {@code slashBps} of its
 * stake (200 of 2,000 tokens by default). The fee stays paid and the callback is not undone: there
 * is nothing to refund.
 */
class NoneModeFraudAttackIT extends CourtScene {
  private static final int GUILTY = 1;
  private static final int INNOCENT = 0;

  private FraudScoreConsumer consumer;

  @BeforeEach
  void setUp() {
    consumer = court.fraudScoreConsumer(TokenAmount.of(50), TokenAmount.of(1_000));
  }

  private Requested request() {
    Requested r = coordinator.requested(court.requestScore(consumer, false)).get(0);
    assertThat(r.ticket().mode()).isEqualTo(InferenceCoordinatorFacade.MODE_NONE);
    return r;
  }

  private static byte[] score(float value) {
    return CanonicalTensors.encode(
        List.of(Tensor.ofFloats("probabilities", new long[] {1, 1}, new float[] {value})));
  }

  private Delivered deliver(Requested r, byte[] output) throws Exception {
    TxResult tx =
        court.providerAt(r.ticket().provider()).coordinator().fulfil(r.id(), r.ticket(), output);
    List<Delivered> delivered = coordinator.delivered(tx);
    assertThat(delivered).hasSize(1);
    assertThat(delivered.get(0).output()).isEqualTo(output);
    assertThat(consumer.answered(BigInteger.valueOf(r.id())).send()).isTrue(); // callback ran
    assertThat(coordinator.isPending(r.id())).isFalse();
    assertThat(coordinator.isDelivered(r.id())).isTrue();
    return delivered.get(0);
  }

  private TokenAmount stakeOf(Address provider) {
    return court.challenger().providers().stakeOf(provider);
  }

  @Test
  void aDeliveredWrongAnswerIsSlashed() throws Exception {
    Requested r = request();
    Address cheater = r.ticket().provider();
    TokenAmount stakeBefore = stakeOf(cheater);
    Delivered d = deliver(r, score(0.99f)); // the committee will find this wrong
    var challenger = court.challenger().coordinator();
    // the optimistic path does not take a delivered answer, nor a dispute with other data
    assertReverts(
        () -> challenger.challenge(r.id(), r.ticket(), r.input(), d.output()), "RequestNotPending");
    assertReverts(
        () ->
            challenger.disputeDelivered(
                r.id(), r.ticket(), d.disputeUntil(), r.input(), score(0.5f)),
        "NotDelivered");
    assertReverts(
        () ->
            challenger.disputeDelivered(
                r.id(), r.ticket(), d.disputeUntil().plusSeconds(1), r.input(), d.output()),
        "NotDelivered");
    assertReverts(
        () ->
            challenger.disputeDelivered(r.id(), r.ticket(), d.disputeUntil(), score(1), d.output()),
        "InputMismatch");

    long disputeId =
        challenger.disputeDelivered(r.id(), r.ticket(), d.disputeUntil(), r.input(), d.output());
    assertThat(disputeId).isPositive();
    assertThat(coordinator.disputeOf(r.id())).isEqualTo(disputeId);
    assertReverts(
        () ->
            challenger.disputeDelivered(
                r.id(), r.ticket(), d.disputeUntil(), r.input(), d.output()),
        "AlreadyChallenged");
    // the committee reads the input and the delivered output from the dispute's event
    var opened =
        court.challenger().disputes().findOpened(disputeId, r.block(), d.block() + 5).orElseThrow();
    assertThat(opened.accused()).containsExactly(cheater);
    assertThat(opened.input()).isEqualTo(r.input());
    assertThat(opened.outputs()).containsExactly(d.output());

    court.committeeVotes(disputeId, GUILTY);
    assertThat(court.challenger().disputes().dispute(disputeId).verdicts())
        .containsExactly(Verdict.GUILTY);
    TokenAmount lost = stakeBefore.minus(stakeOf(cheater));
    int slashBps = court.challenger().params().disputeParams().slashBps();
    assertThat(lost)
        .as("stake the cheater lost (old contract: 0, no dispute possible)")
        .isEqualTo(
            TokenAmount.of(
                Court.STAKE
                    .baseUnits()
                    .multiply(BigInteger.valueOf(slashBps))
                    .divide(BigInteger.valueOf(10_000))))
        .isEqualTo(TokenAmount.ofTokens("200"));
    // delivered and paid before the dispute: the fee stays earned, nothing is refunded
    assertThat(coordinator.earningsOf(cheater)).isEqualTo(TokenAmount.of(9));
  }

  @Test
  void aDeliveredAnswerCannotBeDisputedAfterTheWindow() throws Exception {
    Requested r = request();
    Address provider = r.ticket().provider();
    TokenAmount stakeBefore = stakeOf(provider);
    Delivered d = deliver(r, score(0.99f));
    SharedDevnet.increaseTime(
        d.disputeUntil().getEpochSecond() - SharedDevnet.latestTimestamp() + 1);
    assertReverts(
        () ->
            court
                .challenger()
                .coordinator()
                .disputeDelivered(r.id(), r.ticket(), d.disputeUntil(), r.input(), d.output()),
        "ChallengeWindowClosed");
    assertThat(coordinator.disputeOf(r.id())).isZero();
    assertThat(stakeOf(provider)).isEqualTo(stakeBefore);
  }

  @Test
  void aDisputedHonestAnswerIsClearedAndTheChallengerLosesItsBond() throws Exception {
    Requested r = request();
    Address provider = r.ticket().provider();
    TokenAmount stakeBefore = stakeOf(provider);
    Delivered d = deliver(r, score(0.25f));
    var challenger = court.challenger();
    Address challengerAddress = challenger.account();
    TokenAmount balanceBefore = challenger.token().balanceOf(challengerAddress);
    TokenAmount bond = challenger.params().disputeParams().disputeBond();

    long disputeId =
        challenger
            .coordinator()
            .disputeDelivered(r.id(), r.ticket(), d.disputeUntil(), r.input(), d.output());
    court.committeeVotes(disputeId, INNOCENT);
    assertThat(challenger.disputes().dispute(disputeId).verdicts())
        .containsExactly(Verdict.CLEARED);
    assertThat(stakeOf(provider)).isEqualTo(stakeBefore);
    assertThat(challenger.disputes().owed(challengerAddress)).isEqualTo(TokenAmount.ZERO);
    assertThat(challenger.token().balanceOf(challengerAddress))
        .as("the challenger's tokens after a cleared dispute (bond %s)", bond)
        .isEqualTo(balanceBefore.minus(bond));
    // a cleared answer is not disputed again
    assertReverts(
        () ->
            challenger
                .coordinator()
                .disputeDelivered(r.id(), r.ticket(), d.disputeUntil(), r.input(), d.output()),
        "AlreadyChallenged");
  }
}
