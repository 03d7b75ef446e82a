package io.verinfer.chain.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.DevnetScene;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * Finding 5: a model owner front-runs a redemption with a royalty change. The provider served 5
 * calls for 500 at a royalty of 1 base unit per call; the author saw the redemption coming and set
 * the royalty to 2^88 - 1 first, so the redemption split the voucher at the new rate. Against the
 * old contract the author took 485 of the 500 (everything after the 3% fee) and the provider 0.
 * Royalties are now a share of the paid amount (at most 50 %); the same front-run with the largest
 * share the registry allows waits out the notice and takes nothing beyond what was due.
 */
class RoyaltyFrontRunAttackIT extends DevnetScene {
  private static final int CONSUMER = Actors.CONSUMER_0;
  private static final TokenAmount SERVED = TokenAmount.of(500);
  private static final long CALLS = 5;
  private static final int ROYALTY_BPS = 100; // 1 %

  @Test
  void aRoyaltyChangeNeverSplitsWorkAlreadyServed() {
    VerinferChain author = actors.author(0);
    VerinferChain consumer = actors.consumer(0);
    VerinferChain provider = actors.provider(0);
    ModelId model = Actors.publish(author, "front-run", ROYALTY_BPS);
    Actors.deposit(consumer, TokenAmount.of(10_000));
    SignedVoucher owed = actors.voucher(CONSUMER, provider.account(), model, SERVED, CALLS);
    TokenAmount fee =
        TokenAmount.of(
            SERVED
                .baseUnits()
                .multiply(BigInteger.valueOf(consumer.params().protocolFeeBps()))
                .divide(BigInteger.valueOf(10_000)));
    TokenAmount fairRoyalty =
        TokenAmount.of(
            SERVED
                .minus(fee)
                .baseUnits()
                .multiply(BigInteger.valueOf(ROYALTY_BPS))
                .divide(BigInteger.valueOf(10_000)));

    // the front-run: the largest royalty the registry takes, in the block before the redemption
    int greedy = 5_000; // MAX_ROYALTY_BPS
    var info = author.models().model(model);
    author.models().update(model, info.schemaHash(), greedy, info.tolerancePpm());
    TokenAmount authorBefore = provider.channels().earningsOf(author.account());
    provider.channels().redeem(owed);

    TokenAmount authorTook = provider.channels().earningsOf(author.account()).minus(authorBefore);
    TokenAmount providerGot = provider.channels().earningsOf(provider.account());
    TokenAmount gained = authorTook.minus(fairRoyalty);
    assertThat(gained)
        .as(
            "what the author took beyond the royalty in force when the work was served"
                + " (author %s, provider %s of %s)",
            authorTook, providerGot, SERVED)
        .isEqualTo(TokenAmount.ZERO);
    assertThat(providerGot).isEqualTo(SERVED.minus(fee).minus(fairRoyalty));
  }
}
