package io.verinfer.chain.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.CourtScene;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.facade.DisputeManagerFacade.Verdict;
import io.verinfer.chain.testing.Court;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.TokenAmount;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Item 8 (issue 12): a provider that cheats, asks to unbond everything, and withdraws as soon as
 * the delay has passed escapes slashing when a dispute against it is still open. The registry now
 * refuses {@code withdrawUnbonded} ({@code UnderDispute}) while any dispute naming the provider is
 * unresolved, so the guilty verdict takes its share of the whole stake.
 */
class ProviderEscapeAttackIT extends CourtScene {
  private static final byte[] INPUT = Court.bytes("escape-input");
  private static final byte[] FORGED = Court.bytes("escape-forged");

  @Test
  void aProviderUnderDisputeCannotWithdrawItsStake() {
    VerinferChain cheat = court.provider(0);
    Address cheatAddress = Court.providerAddress(0);
    SignedReceipt receipt = court.receipt(0, INPUT, FORGED, 3);
    cheat.providers().requestUnbond(Court.STAKE);
    SharedDevnet.increaseTime(actors.admin().params().unbondingDelay().toSeconds() + 1);
    long id = court.openAndDraw(receipt, INPUT, FORGED);

    TokenAmount escaped = TokenAmount.ZERO;
    try {
      TokenAmount before = cheat.token().balanceOf(cheatAddress);
      cheat.providers().withdrawUnbonded();
      escaped = cheat.token().balanceOf(cheatAddress).minus(before);
    } catch (ContractRevertException e) {
      assertThat(e.errorName()).isEqualTo("UnderDispute");
    }

    List<Address> committee = actors.admin().disputes().dispute(id).committee();
    for (Address m : committee) {
      court.commit(id, m, 1);
    }
    for (Address m : committee) {
      court.reveal(id, m, 1);
    }
    actors.admin().disputes().resolve(id);
    assertThat(actors.admin().disputes().dispute(id).verdicts()).containsExactly(Verdict.GUILTY);
    System.out.printf(
        "ProviderEscapeAttackIT: withdrawn during the dispute %s of stake %s%n",
        escaped, Court.STAKE);
    assertThat(escaped)
        .as("stake a guilty provider withdrew while its dispute was open (old code: all of it)")
        .isEqualTo(TokenAmount.ZERO);
    // and it can leave once the dispute is over
    cheat.providers().withdrawUnbonded();
  }
}
