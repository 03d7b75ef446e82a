package io.verinfer.chain.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.CourtScene;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.facade.DisputeManagerFacade;
import io.verinfer.chain.testing.Court;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.SignedReceipt;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Finding 6: a committee member breaks commit–reveal. {@code commitVote(bytes32(0))} was accepted
 * and counted each time (a zero commitment reads as "not committed"), so one member committed zero
 * as many times as the committee has seats, which opened the reveals at once; an honest member
 * revealed, and the attacker then committed its real vote knowing the other's. Against the old
 * contract the attacker read 1 vote before committing its own.
 */
class CommitRevealAttackIT extends CourtScene {
  private static final int GUILTY = 1;

  @Test
  void aMemberCannotReadVotesBeforeCommitting() {
    byte[] input = Court.bytes("in");
    byte[] output = Court.bytes("wrong");
    SignedReceipt receipt = court.receipt(0, input, output, 1);
    long id = court.openAndDraw(receipt, input, output, 3); // seats on three distinct members
    DisputeManagerFacade disputes = court.challenger().disputes();
    List<Address> committee = disputes.dispute(id).committee();
    Address attacker = committee.get(0);
    Address honest = committee.get(1);
    VerinferChain attackerView = court.providerAt(attacker);

    int zeroCommits = 0;
    String refusal = "none";
    try {
      for (int i = 0; i < committee.size(); i++) {
        attackerView.disputes().commitVote(id, Bytes32.ZERO);
        zeroCommits++;
      }
    } catch (ContractRevertException e) {
      refusal = e.errorName();
    }
    court.commit(id, honest, GUILTY);
    int votesRead = 0;
    try {
      court.reveal(id, honest, GUILTY); // only possible if the reveals opened early
      votesRead = disputes.ballot(id, honest).revealed() ? 1 : 0;
    } catch (ContractRevertException e) {
      // TooEarly: reveals stay closed until every member committed or the window closed
    }
    assertThat(votesRead)
        .as(
            "votes the attacker read before committing (%d zero commitments accepted; refusal: %s)",
            zeroCommits, refusal)
        .isZero();
    assertThat(zeroCommits).isZero();
    assertThat(refusal).isEqualTo("ZeroCommitment");
  }
}
