package io.verinfer.chain.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.DevnetScene;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import org.junit.jupiter.api.Test;

/**
 * Finding 1: a consumer overflows its own Counter NFT to make its providers' vouchers unredeemable.
 * The consumer signs itself vouchers worth nothing but with a huge call count on lanes to an
 * address of its own and redeems them; the counter's call figure then sits near 2^64, and with a
 * checked add every later redemption of the consumer's lanes reverted, so the honest provider could
 * not collect what it had served (and the consumer withdrew it instead).
 */
class CounterOverflowAttackIT extends DevnetScene {
  private static final int CONSUMER = Actors.CONSUMER_0;
  private static final TokenAmount SERVED = TokenAmount.of(500);

  @Test
  void aConsumerCannotBlockItsProviderByOverflowingItsCounter() {
    VerinferChain consumer = actors.consumer(0);
    VerinferChain provider = actors.provider(0);
    ModelId model = Actors.publish(actors.author(0), "overflow", 1_000);
    Actors.deposit(consumer, TokenAmount.of(10_000));
    // the honest provider served 5 calls for 500 and holds the consumer's voucher
    SignedVoucher owed = actors.voucher(CONSUMER, provider.account(), model, SERVED, 5);

    // the attack: two zero-amount vouchers with 2^63 - 1 calls each, on lanes to its own address
    Address own = Actors.address(Actors.OUTSIDER);
    ModelId other = Actors.publish(actors.author(0), "overflow-2", 1_000);
    consumer
        .channels()
        .redeem(actors.voucher(CONSUMER, own, model, TokenAmount.ZERO, Long.MAX_VALUE));
    consumer
        .channels()
        .redeem(actors.voucher(CONSUMER, own, other, TokenAmount.ZERO, Long.MAX_VALUE));

    TokenAmount paid = TokenAmount.ZERO;
    String refusal = "none";
    try {
      provider.channels().redeem(owed);
      paid = provider.channels().laneOf(consumer.account(), provider.account(), model).amount();
    } catch (ContractRevertException e) {
      refusal = e.errorName();
    }
    TokenAmount withheld = SERVED.minus(paid);
    assertThat(withheld)
        .as("what the consumer kept from its provider (the redemption's refusal: %s)", refusal)
        .isEqualTo(TokenAmount.ZERO);
    // the counter saturates instead: it still shows the calls, never more than fits
    assertThat(actors.admin().counter().usageOf(consumer.account()).calls())
        .isEqualTo(-1L); // 2^64 - 1 as an unsigned long
  }
}
