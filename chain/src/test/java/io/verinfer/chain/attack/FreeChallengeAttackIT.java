package io.verinfer.chain.attack;

import static io.verinfer.chain.testing.Reverts.assertReverts;
import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.CourtScene;
import io.verinfer.chain.bindings.FraudScoreConsumer;
import io.verinfer.chain.facade.DisputeManagerFacade.Verdict;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Proposed;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.chain.testing.Court;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Finding 8: a challenge was free when no committee could form, and then rejected an honest answer
 * unpaid. A requester asks an optimistic question, reads the honest answer in the {@code
 * InferenceProposed} event, and challenges once the model's other providers have left: against the
 * old contracts (commit f9209e0) the draw found no candidate, the dispute ended without a majority,
 * the answer was rejected and the requester's reserve of 10 came back with the bond: the provider
 * earned 0 of 9 for an honest answer, the requester paid 0 for the answer it had read.
 *
 * <p>Now a dispute no committee can judge ends {@code NoCommittee}, and such an answer stands: it
 * is delivered and paid. Optimistic requests for a model whose committee could not form are refused
 * up front ({@code CommitteeCannotForm}).
 */
class FreeChallengeAttackIT extends CourtScene {
  private FraudScoreConsumer consumer;

  @BeforeEach
  void deployConsumer() {
    consumer = court.fraudScoreConsumer(TokenAmount.of(50), TokenAmount.of(1_000));
  }

  private Requested requestOptimistic() {
    return coordinator.requested(court.requestScore(consumer, true)).get(0);
  }

  private static byte[] score(float value) {
    return CanonicalTensors.encode(
        List.of(Tensor.ofFloats("probabilities", new long[] {1, 1}, new float[] {value})));
  }

  @Test
  void anAnswerNoCommitteeCanJudgeStandsAndIsPaid() throws Exception {
    Requested r = requestOptimistic();
    Address honest = r.ticket().provider();
    var tx = court.providerAt(honest).coordinator().fulfil(r.id(), r.ticket(), score(0.5f));
    Proposed p = coordinator.proposed(tx).get(0);
    Address requester = Address.of(consumer.getContractAddress());
    TokenAmount depositAfterRequest = coordinator.depositOf(requester);
    // every other provider leaves, and the stake snapshot sees it
    for (int i = 0; i < Court.PROVIDERS; i++) {
      if (!Court.providerAddress(i).equals(honest)) {
        court.provider(i).providers().removeModel(court.model());
      }
    }
    SharedDevnet.mine(actors.admin().providers().epochBlocks());

    long disputeId =
        court.challenger().coordinator().challenge(r.id(), p.ticket(), r.input(), p.output());
    SharedDevnet.mine(); // the anchor block
    var disputes = court.challenger().disputes();
    disputes.drawCommittee(disputeId);
    assertThat(disputes.dispute(disputeId).verdicts()).containsExactly(Verdict.NO_COMMITTEE);
    assertThat(disputes.dispute(disputeId).committee()).isEmpty();
    coordinator.settle(r.id(), p.ticket(), p.output());

    // the answer stands: delivered, the provider paid its share, the requester's reserve spent
    assertThat(consumer.answered(BigInteger.valueOf(r.id())).send()).isTrue();
    TokenAmount share =
        p.ticket().fee().minus(p.ticket().royalty()).minus(p.ticket().protocolFee());
    assertThat(coordinator.earningsOf(honest)).isEqualTo(share);
    assertThat(share).isEqualTo(TokenAmount.of(9));
    assertThat(coordinator.depositOf(requester)).isEqualTo(depositAfterRequest); // no refund
    // the challenger proved nothing and judged by no one, it takes its bond back
    assertThat(disputes.owed(court.challenger().account()))
        .isEqualTo(actors.admin().params().disputeParams().disputeBond());
  }

  @Test
  void optimisticRequestsNeedAModelACommitteeCanJudge() {
    // five eligible: the assignee plus four candidates (more than MIN_CANDIDATES = 3)
    requestOptimistic();
    court.provider(4).providers().removeModel(court.model());
    requestOptimistic(); // four: the assignee plus three candidates
    court.provider(3).providers().removeModel(court.model());
    assertReverts(this::requestOptimistic, "CommitteeCannotForm");
  }
}
