package io.verinfer.chain.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.CourtScene;
import io.verinfer.chain.bindings.ReturnBombConsumer;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * Finding 8 (return bomb): a requester whose callback returns 600 KB of data. The coordinator
 * copied the return data into its own memory, beyond the callback's gas limit, so delivering the
 * answer cost the provider the copy's quadratic memory gas on top of the limit the requester
 * declared (and paid for). Against the old contract the fulfil used 1,623,868 gas for a callback
 * limited to 1,000,000: 473,868 gas over what a provider budgets (the limit plus 150,000).
 */
class ReturnBombAttackIT extends CourtScene {
  private static final long CALLBACK_GAS = 1_000_000;
  private static final long FULFIL_OVERHEAD = 150_000;

  @Test
  void aCallbacksReturnDataCostsTheProviderNothing() throws Exception {
    var owner = court.challenger();
    ReturnBombConsumer bomb =
        ReturnBombConsumer.deploy(
                owner.web3j(),
                owner.sender(),
                new DefaultGasProvider(),
                owner.coordinator().address().value(),
                BigInteger.valueOf(600_000))
            .send();
    Address bombAddress = Address.of(bomb.getContractAddress());
    owner.token().approve(owner.coordinator().address(), TokenAmount.of(100));
    owner.coordinator().depositFor(bombAddress, TokenAmount.of(100));
    TxResult sent =
        owner
            .sender()
            .send(
                bombAddress.value(),
                bomb.ask(
                        BigInteger.valueOf(court.model().value()),
                        new byte[] {1, 2, 3},
                        BigInteger.valueOf(50),
                        BigInteger.valueOf(CALLBACK_GAS))
                    .encodeFunctionCall());
    Requested r = coordinator.requested(sent).get(0);

    long used;
    String outcome = "delivered";
    try {
      used =
          court
              .providerAt(r.ticket().provider())
              .coordinator()
              .fulfil(r.id(), r.ticket(), new byte[] {4, 5, 6})
              .gasUsed()
              .longValueExact();
    } catch (ContractRevertException e) {
      outcome = e.errorName();
      used = -1;
    }
    long overBudget = Math.max(0, used - CALLBACK_GAS - FULFIL_OVERHEAD);
    assertThat(outcome).isEqualTo("delivered");
    assertThat(overBudget)
        .as(
            "gas the provider paid beyond the declared callback limit + %d (fulfil used %d)",
            FULFIL_OVERHEAD, used)
        .isZero();
  }
}
