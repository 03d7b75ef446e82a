package io.verinfer.chain.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.DevnetScene;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * Finding 8: royalty from misstated call counts. A consumer and a provider in league serve 100
 * calls and settle them in 10 redemptions of 1,000 base units, but the consumer signs its vouchers
 * with a call count of 0 (or 1 per batch). Against the old contracts, whose royalty was {@code
 * Δcalls · royaltyPerCall} (10 per call here), the author got 0 of the 1,000 due (and 100 of 1,000
 * with one call signed per batch): the pair kept the whole royalty.
 *
 * <p>The royalty is now {@code royaltyBps} of what the consumer paid after the protocol fee, so the
 * author gets the same whatever count is signed; the count only feeds the Counter NFT.
 */
class RoyaltyEvasionAttackIT extends DevnetScene {
  private static final int CONSUMER = Actors.CONSUMER_0;
  private static final int BATCHES = 10;
  private static final TokenAmount PER_BATCH = TokenAmount.of(1_000);
  private static final int ROYALTY_BPS = 1_000; // 10 %, what 10 per call was on a 100 price
  private static final BigInteger BPS = BigInteger.valueOf(10_000);

  @Test
  void signingZeroCallsSavesTheAuthorsRoyaltyNothing() {
    assertNoRoyaltyEvaded("calls-0", 0);
  }

  @Test
  void signingOneCallPerBatchSavesTheAuthorsRoyaltyNothing() {
    assertNoRoyaltyEvaded("calls-1", 1);
  }

  /**
   * Redeems {@link #BATCHES} batches of 10 calls' work whose vouchers claim {@code signedCalls}.
   */
  private void assertNoRoyaltyEvaded(String seed, long signedCalls) {
    VerinferChain author = actors.author(0);
    VerinferChain consumer = actors.consumer(0);
    VerinferChain provider = actors.provider(0);
    ModelId model = Actors.publish(author, "evasion-" + seed, ROYALTY_BPS);
    Actors.deposit(consumer, PER_BATCH.times(BATCHES));
    BigInteger feeBps = BigInteger.valueOf(consumer.params().protocolFeeBps());

    BigInteger due = BigInteger.ZERO;
    for (int b = 1; b <= BATCHES; b++) {
      provider
          .channels()
          .redeem(
              actors.voucher(
                  CONSUMER, provider.account(), model, PER_BATCH.times(b), signedCalls * b));
      BigInteger amount = PER_BATCH.baseUnits();
      BigInteger afterFee = amount.subtract(amount.multiply(feeBps).divide(BPS));
      due = due.add(afterFee.multiply(BigInteger.valueOf(ROYALTY_BPS)).divide(BPS));
    }

    TokenAmount authorGot = provider.channels().earningsOf(author.account());
    BigInteger evaded = due.subtract(authorGot.baseUnits());
    assertThat(evaded)
        .as(
            "royalty the pair kept from the author by signing %d calls per batch (author got %s of"
                + " %s due)",
            signedCalls, authorGot, TokenAmount.of(due))
        .isEqualTo(BigInteger.ZERO);
    assertThat(due).isEqualTo(BigInteger.valueOf(970)); // 10 × 97: (1,000 − 3 % fee) · 10 %
  }
}
