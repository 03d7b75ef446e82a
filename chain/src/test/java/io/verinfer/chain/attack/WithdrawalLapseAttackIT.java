package io.verinfer.chain.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.DevnetScene;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Finding 2: a matured withdrawal kept in the pocket. The consumer deposits 1,000, asks to withdraw
 * all of it, waits out the delay and then keeps buying for a month: its deposit on-chain is
 * unchanged, so its provider admits credit against it (800 served). Then the consumer withdraws in
 * one call, before the provider redeems. Against the old contract the withdrawal paid 1,000 and the
 * provider's voucher for 800 bounced with InsufficientDeposit: the attacker gained 800.
 */
class WithdrawalLapseAttackIT extends DevnetScene {
  private static final int CONSUMER = Actors.CONSUMER_0;
  private static final TokenAmount DEPOSIT = TokenAmount.of(1_000);
  private static final TokenAmount SERVED = TokenAmount.of(800);

  @Test
  void aMaturedWithdrawalCannotBeHeldWhileBuying() {
    VerinferChain consumer = actors.consumer(0);
    VerinferChain provider = actors.provider(0);
    ModelId model = Actors.publish(actors.author(0), "lapse", 1_000);
    Actors.deposit(consumer, DEPOSIT);
    TokenAmount before = consumer.token().balanceOf(consumer.account());

    consumer.channels().requestWithdrawal(DEPOSIT);
    Duration delay = consumer.params().withdrawDelay();
    SharedDevnet.increaseTime(delay.toSeconds() + Duration.ofDays(30).toSeconds());

    // a month later the provider admits credit against what the chain says it may spend
    TokenAmount admissible = provider.channels().spendableOf(consumer.account());
    assertThat(admissible.compareTo(SERVED)).isGreaterThanOrEqualTo(0);
    SignedVoucher owed = actors.voucher(CONSUMER, provider.account(), model, SERVED, 8);

    String withdrawal = "paid";
    try {
      consumer.channels().withdraw();
    } catch (ContractRevertException e) {
      withdrawal = e.errorName();
    }
    TokenAmount taken = consumer.token().balanceOf(consumer.account()).minus(before);
    String redemption = "paid";
    try {
      provider.channels().redeem(owed);
    } catch (ContractRevertException e) {
      redemption = e.errorName();
    }
    TokenAmount paid =
        provider.channels().laneOf(consumer.account(), provider.account(), model).amount();
    TokenAmount gained = SERVED.minus(paid);
    assertThat(gained)
        .as(
            "what the consumer kept from its provider (withdrawal: %s, took %s; redemption: %s)",
            withdrawal, taken, redemption)
        .isEqualTo(TokenAmount.ZERO);
    assertThat(withdrawal).isEqualTo("WithdrawalLapsed");
  }

  @Test
  void whileAWithdrawalCanBeExecutedNothingOfItIsSpendable() {
    VerinferChain consumer = actors.consumer(0);
    Actors.deposit(consumer, DEPOSIT);
    consumer.channels().requestWithdrawal(TokenAmount.of(600));
    assertThat(consumer.channels().spendableOf(consumer.account())).isEqualTo(TokenAmount.of(400));
    var pending = consumer.channels().withdrawalOf(consumer.account());
    SharedDevnet.increaseTime(
        pending.readyAt().getEpochSecond() - SharedDevnet.latestTimestamp() + 1);
    assertThat(consumer.channels().spendableOf(consumer.account())).isEqualTo(TokenAmount.of(400));
    SharedDevnet.increaseTime(
        pending.expiresAt().getEpochSecond() - SharedDevnet.latestTimestamp() + 1);
    // lapsed: the whole deposit is spendable again, and the consumer cannot take it any more
    assertThat(consumer.channels().spendableOf(consumer.account())).isEqualTo(DEPOSIT);
    io.verinfer.chain.testing.Reverts.assertReverts(
        () -> consumer.channels().withdraw(), "WithdrawalLapsed");
  }
}
