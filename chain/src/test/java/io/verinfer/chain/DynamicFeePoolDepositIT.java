package io.verinfer.chain;

import static io.verinfer.chain.testing.Reverts.assertReverts;
import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.FeePool;
import io.verinfer.chain.testing.FeePool.Terms;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import org.junit.jupiter.api.Test;

/**
 * The {@code DynamicFeePool}'s owner (its deployer) takes back the pool's unreserved deposit at the
 * InferenceCoordinator; nobody else can, and a pending fee request keeps its reserve.
 */
class DynamicFeePoolDepositIT extends CourtScene {
  private static final TokenAmount DEPOSIT = TokenAmount.of(1_000);

  @Test
  void theOwnerWithdrawsTheUnreservedDepositAndNobodyElseCan() throws Exception {
    VerinferChain owner = court.challenger();
    FeePool pool =
        FeePool.deploy(
            owner,
            new Terms(court.model(), TokenAmount.of(50), 150_000, 5, 100, 5, 5),
            100,
            DEPOSIT);
    assertThat(pool.binding().owner().send()).isEqualToIgnoringCase(owner.account().value());
    VerinferChain outsider = actors.account(Actors.OUTSIDER);
    Address to = Actors.address(Actors.OUTSIDER);
    assertReverts(
        () -> withdraw(outsider, pool, to, TokenAmount.of(1)), "OwnableUnauthorizedAccount");

    pool.follow(new double[] {100, 101, 99, 100, 102, 98, 100, 101, 99, 100});
    Requested r =
        only(owner.coordinator().requested(pool.requestFeeUpdate(outsider))); // reserves its fee
    TokenAmount unreserved = DEPOSIT.minus(r.ticket().fee());
    assertThat(owner.coordinator().depositOf(pool.address())).isEqualTo(unreserved);
    assertReverts(() -> withdraw(owner, pool, to, DEPOSIT), "InsufficientDeposit");

    TokenAmount before = owner.token().balanceOf(to);
    withdraw(owner, pool, to, unreserved);
    assertThat(owner.coordinator().depositOf(pool.address())).isEqualTo(TokenAmount.ZERO);
    assertThat(owner.token().balanceOf(to)).isEqualTo(before.plus(unreserved));
    assertThat(owner.token().balanceOf(pool.address())).isEqualTo(TokenAmount.ZERO);
  }

  private static void withdraw(VerinferChain caller, FeePool pool, Address to, TokenAmount amount) {
    caller
        .sender()
        .send(
            pool.address().value(),
            pool.binding().withdrawDeposit(to.value(), amount.baseUnits()).encodeFunctionCall());
  }

  private static <T> T only(java.util.List<T> items) {
    assertThat(items).hasSize(1);
    return items.get(0);
  }
}
