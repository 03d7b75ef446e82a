package io.verinfer.chain;

import static io.verinfer.chain.testing.Reverts.assertReverts;
import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.gov.GovCalls;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.DevnetScene;
import io.verinfer.chain.testing.Enact;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a proposal does besides parameters: pays from the treasury (which anyone fills from the
 * protocol's contracts, and no one else can spend), and delists a model for abuse (no new offers,
 * work already served still settles).
 */
class GovernanceActionsIT extends DevnetScene {
  private static final TokenAmount DEPOSIT = TokenAmount.of(1_000_000);

  @Test
  void feesReachTheTreasuryAndOnlyAProposalPaysFromIt() {
    VerinferChain consumer = actors.consumer(0);
    VerinferChain provider = actors.provider(0);
    VerinferChain outsider = actors.account(Actors.OUTSIDER);
    ModelId model = Actors.publish(actors.author(0), "treasury-it", 1_000);
    Actors.deposit(consumer, DEPOSIT);
    Address treasury = actors.treasury();
    int feeBps = outsider.params().protocolFeeBps();
    provider.channels().redeem(voucher(provider.account(), model, 10_000, 10));
    TokenAmount fee = TokenAmount.of(10_000L * feeBps / 10_000);
    assertThat(outsider.channels().earningsOf(treasury)).isEqualTo(fee);

    // anyone moves the treasury's earnings into it; it counts what arrived
    TokenAmount before = outsider.token().balanceOf(treasury);
    outsider.treasury().collectEarnings(outsider.channels().address());
    assertThat(outsider.token().balanceOf(treasury)).isEqualTo(before.plus(fee));
    assertThat(outsider.channels().earningsOf(treasury)).isEqualTo(TokenAmount.ZERO);

    // nobody but the timelock pays out: not a stranger, not the former deployer
    Address grantee = Actors.address(Actors.AUTHOR_0 + 1);
    assertReverts(
        () -> outsider.treasury().pay(grantee, TokenAmount.of(1), "mine"),
        "OwnableUnauthorizedAccount");
    assertReverts(
        () -> actors.admin().treasury().pay(grantee, TokenAmount.of(1), "mine"),
        "OwnableUnauthorizedAccount");

    // a grant above the balance passes the vote and reverts at execution: nothing moves
    GovCalls calls = Enact.governance(Enact.VOTERS[0]).calls();
    TokenAmount granteeBefore = outsider.token().balanceOf(grantee);
    assertReverts(
        () -> Enact.actions(List.of(calls.grant(grantee, fee.plus(TokenAmount.of(1)), "too much"))),
        "ERC20InsufficientBalance");
    assertThat(outsider.token().balanceOf(treasury)).isEqualTo(before.plus(fee));

    // a grant within it: exactly the amount moves
    TokenAmount grant = TokenAmount.of(fee.baseUnits().longValueExact() / 2);
    var passed = Enact.actions(List.of(calls.grant(grantee, grant, "model author grant")));
    assertThat(Enact.governance(Enact.VOTERS[0]).decode(passed))
        .containsExactly(
            "pay "
                + grant.toTokens()
                + " VRF from the treasury to "
                + grantee.value()
                + " (\"model author grant\")");
    assertThat(outsider.token().balanceOf(grantee)).isEqualTo(granteeBefore.plus(grant));
    assertThat(outsider.token().balanceOf(treasury)).isEqualTo(before.plus(fee).minus(grant));
  }

  @Test
  void aDelistedModelTakesNoNewOffersButServedWorkSettles() {
    VerinferChain consumer = actors.consumer(0);
    VerinferChain provider = actors.provider(0);
    VerinferChain late = actors.provider(1);
    ModelId model = Actors.publish(actors.author(0), "delist-it", 1_000);
    Actors.deposit(consumer, DEPOSIT);
    TokenAmount min = provider.params().minProviderStake();
    for (VerinferChain p : List.of(provider, late)) {
      p.token().approve(p.providers().address(), min);
      p.providers().stake(min);
      p.providers()
          .register("https://" + p.account().value().substring(2, 8) + ".example", Bytes32.ZERO);
    }
    provider.providers().setModel(model, TokenAmount.of(10));
    SignedVoucher served = voucher(provider.account(), model, 500, 50);

    assertReverts(() -> actors.admin().models().delist(model, "mine"), "NotGovernance");
    assertReverts(() -> provider.models().delist(model, "mine"), "NotGovernance");
    GovCalls calls = Enact.governance(Enact.VOTERS[0]).calls();
    Enact.actions(List.of(calls.delist(model.value(), "stolen weights")));
    assertThat(provider.models().isDelisted(model)).isTrue();
    assertThat(provider.models().isActive(model)).isFalse();
    assertReverts(() -> late.providers().setModel(model, TokenAmount.of(10)), "InactiveModel");
    assertReverts(
        () -> Enact.actions(List.of(calls.delist(model.value(), "again"))), "ModelIsDeprecated");

    // the voucher for work served before the delisting still redeems in full
    provider.channels().redeem(served);
    assertThat(provider.channels().laneOf(consumer.account(), provider.account(), model).amount())
        .isEqualTo(TokenAmount.of(500));
  }

  private SignedVoucher voucher(Address provider, ModelId model, long amount, long calls) {
    return actors.voucher(Actors.CONSUMER_0, provider, model, TokenAmount.of(amount), calls);
  }
}
