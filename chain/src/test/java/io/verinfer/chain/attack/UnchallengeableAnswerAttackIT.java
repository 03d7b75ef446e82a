package io.verinfer.chain.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.CourtScene;
import io.verinfer.chain.bindings.FraudScoreConsumer;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Proposed;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Finding 3: an optimistic answer padded past the dispute size limit. {@code fulfil} took an output
 * of any size while a dispute carries at most {@code maxDisputeBytes} (32 KiB): the assigned
 * provider proposed a wrong answer of 40 KiB, every challenge reverted with DisputeDataTooLarge,
 * and after the window the answer settled. Against the old contract the cheating provider earned 9
 * (its share of the 10 fee) for an answer no one could dispute.
 */
class UnchallengeableAnswerAttackIT extends CourtScene {
  private static final int PADDED = 40 * 1024;

  @Test
  void everyAcceptedAnswerIsDisputable() throws Exception {
    FraudScoreConsumer consumer =
        court.fraudScoreConsumer(TokenAmount.of(50), TokenAmount.of(1_000));
    Address consumerAddress = Address.of(consumer.getContractAddress());
    List<BigInteger> features =
        java.util.stream.LongStream.rangeClosed(1, 8).mapToObj(BigInteger::valueOf).toList();
    TxResult sent =
        court
            .challenger()
            .sender()
            .send(
                consumerAddress.value(),
                consumer.requestScoreOptimistic(features).encodeFunctionCall());
    Requested r = coordinator.requested(sent).get(0);
    Address cheater = r.ticket().provider();
    byte[] padded = new byte[PADDED]; // garbage: not even a tensor

    String proposal = "accepted";
    String challenge = "not tried";
    try {
      TxResult tx = court.providerAt(cheater).coordinator().fulfil(r.id(), r.ticket(), padded);
      Proposed p = coordinator.proposed(tx).get(0);
      try {
        court.challenger().coordinator().challenge(r.id(), p.ticket(), r.input(), p.output());
        challenge = "opened";
      } catch (ContractRevertException e) {
        challenge = e.errorName();
      }
      if (!challenge.equals("opened")) {
        SharedDevnet.increaseTime(
            p.ticket().deadline().getEpochSecond() - SharedDevnet.latestTimestamp() + 1);
        coordinator.settle(r.id(), p.ticket(), p.output());
      }
    } catch (ContractRevertException e) {
      proposal = e.errorName();
    }
    TokenAmount earned = coordinator.earningsOf(cheater);
    assertThat(earned)
        .as(
            "what the cheater earned for an undisputable answer (proposal: %s, challenge: %s)",
            proposal, challenge)
        .isEqualTo(TokenAmount.ZERO);
    assertThat(proposal).isEqualTo("OutputTooLarge");
  }
}
