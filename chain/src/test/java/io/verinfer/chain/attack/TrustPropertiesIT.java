package io.verinfer.chain.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.BeforeTry;

/**
 * Properties an attacker would break (issue 12), each against the real contracts on the devnet.
 * Each is shown to fail under a mutation of the rule it rests on: see {@code bench/mutations/} and
 * docs/security.md.
 *
 * <ul>
 *   <li>No sequence of consumer actions makes a provider's newest voucher unredeemable before the
 *       withdrawal delay ends, when the provider admitted it within {@code spendableOf}.
 *   <li>A model owner's change never alters the split of work already served, when the provider
 *       redeems within the terms notice.
 * </ul>
 */
class TrustPropertiesIT {
  private static final int CONSUMER = Actors.CONSUMER_0;
  private static final BigInteger MAX = BigInteger.TWO.pow(255);
  private static final Map<String, Integer> OUTCOMES = new TreeMap<>();

  private static Actors setup;
  private static String baseline;
  private Actors actors;

  /**
   * A consumer action: 0 request a withdrawal, 1 cancel it, 2 withdraw, 3 redeem a zero-amount
   * voucher with a huge call count to a lane of its own, 4 deposit more, 5 let time pass.
   */
  record Act(int kind, long amount, long seconds) {}

  @BeforeContainer
  static void approve() {
    setup = new Actors();
    VerinferChain c = setup.consumer(0);
    c.token().approve(c.channels().address(), TokenAmount.of(MAX));
    baseline = SharedDevnet.snapshot();
  }

  @AfterContainer
  static void close() {
    SharedDevnet.revert(baseline);
    setup.close();
    System.out.println("TrustPropertiesIT outcomes: " + OUTCOMES);
  }

  @BeforeTry
  void fresh() {
    SharedDevnet.revert(baseline);
    baseline = SharedDevnet.snapshot();
    actors = new Actors();
  }

  @AfterTry
  void closeActors() {
    actors.close();
  }

  private static void count(String outcome) {
    OUTCOMES.merge(outcome, 1, Integer::sum);
  }

  @Provide
  Arbitrary<List<Act>> acts() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 5),
            Arbitraries.longs().between(1, 6_000),
            Arbitraries.longs().between(1, 900))
        .as(Act::new)
        .list()
        .ofMinSize(1)
        .ofMaxSize(6);
  }

  @Property(tries = 20)
  void aVoucherAdmittedWithinSpendableIsRedeemableUntilTheDelayEnds(
      @ForAll @IntRange(min = 1_000, max = 5_000) int deposit,
      @ForAll @IntRange(min = 0, max = 2) int earlier,
      @ForAll @IntRange(min = 1, max = 100) int servedPercent,
      @ForAll("acts") List<Act> acts) {
    VerinferChain consumer = actors.consumer(0);
    VerinferChain provider = actors.provider(0);
    Address self = consumer.account();
    ModelId model = Actors.publish(actors.author(0), "credit-" + System.nanoTime(), 1_000);
    consumer.channels().deposit(TokenAmount.of(deposit));
    long delay = consumer.params().withdrawDelay().toSeconds();
    long window = consumer.params().withdrawWindow().toSeconds();
    // before the provider serves: maybe a withdrawal request, then maybe it matured (or lapsed)
    if (earlier > 0) {
      consumer.channels().requestWithdrawal(TokenAmount.of(deposit));
      SharedDevnet.increaseTime(earlier == 1 ? delay + 1 : delay + window + 2);
    }
    // the provider admits credit against what the chain says the consumer may spend
    BigInteger spendable = provider.channels().spendableOf(self).baseUnits();
    BigInteger served =
        spendable.multiply(BigInteger.valueOf(servedPercent)).divide(BigInteger.valueOf(100));
    if (served.signum() == 0) {
      count("nothing-admissible");
      return;
    }
    var owed = actors.voucher(CONSUMER, provider.account(), model, TokenAmount.of(served), 3);
    long servedAt = SharedDevnet.latestTimestamp();

    int ownLanes = 0;
    for (Act a : acts) {
      try {
        switch (a.kind()) {
          case 0 -> consumer.channels().requestWithdrawal(TokenAmount.of(a.amount()));
          case 1 -> consumer.channels().cancelWithdrawal();
          case 2 -> consumer.channels().withdraw();
          case 3 -> { // a fresh lane of its own each time, with the most calls a lane takes
            Address own = Actors.address(Actors.OUTSIDER - ownLanes++);
            consumer
                .channels()
                .redeem(actors.voucher(CONSUMER, own, model, TokenAmount.ZERO, Long.MAX_VALUE));
          }
          case 4 -> consumer.channels().deposit(TokenAmount.of(a.amount()));
          default -> {
            long left = servedAt + delay - SharedDevnet.latestTimestamp() - 30;
            if (left > 0) {
              SharedDevnet.increaseTime(Math.min(a.seconds() * 10, left));
            }
          }
        }
        count("act-" + a.kind());
      } catch (ContractRevertException e) {
        count("refused:" + e.errorName());
      }
    }
    assertThat(SharedDevnet.latestTimestamp()).isLessThan(servedAt + delay);
    String refusal = "none";
    try {
      provider.channels().redeem(owed);
    } catch (ContractRevertException e) {
      refusal = e.errorName();
    }
    TokenAmount paid = provider.channels().laneOf(self, provider.account(), model).amount();
    assertThat(paid)
        .as("the provider's voucher for %s after %s (refusal: %s)", served, acts, refusal)
        .isEqualTo(TokenAmount.of(served));
    count("redeemed");
  }

  @Property(tries = 15)
  void aModelOwnersChangeNeverAltersTheSplitOfWorkServed(
      @ForAll @IntRange(min = 0, max = 5_000) int royalty,
      @ForAll @IntRange(min = 0, max = 5_000) int newRoyaltyLow,
      @ForAll boolean greedy,
      @ForAll @IntRange(min = 1, max = 3_000) int amount,
      @ForAll @IntRange(min = 1, max = 40) int calls,
      @ForAll @IntRange(min = 0, max = 95) int waitPercent) {
    VerinferChain author = actors.author(0);
    VerinferChain consumer = actors.consumer(0);
    VerinferChain provider = actors.provider(0);
    ModelId model = Actors.publish(author, "split-" + System.nanoTime(), royalty);
    consumer.channels().deposit(TokenAmount.of(10_000));
    var owed = actors.voucher(CONSUMER, provider.account(), model, TokenAmount.of(amount), calls);
    // the split in force when the work was served
    BigInteger a = BigInteger.valueOf(amount);
    BigInteger fee =
        a.multiply(BigInteger.valueOf(consumer.params().protocolFeeBps()))
            .divide(BigInteger.valueOf(10_000));
    BigInteger afterFee = a.subtract(fee);
    BigInteger royaltyDue =
        afterFee.multiply(BigInteger.valueOf(royalty)).divide(BigInteger.valueOf(10_000));
    BigInteger providerDue = afterFee.subtract(royaltyDue);

    int changed = greedy ? 5_000 : newRoyaltyLow; // 5,000: the largest share the registry allows
    var info = author.models().model(model);
    author.models().update(model, info.schemaHash(), changed, info.tolerancePpm() + 1);
    long notice = author.params().termsNotice().toSeconds();
    long wait = notice * waitPercent / 100;
    if (wait > 0) {
      SharedDevnet.increaseTime(wait);
    }
    provider.channels().redeem(owed);
    assertThat(provider.channels().earningsOf(provider.account()))
        .as(
            "provider's share of %d for %d calls at royalty %d, after a change to %s",
            amount, calls, royalty, changed)
        .isEqualTo(TokenAmount.of(providerDue));
    assertThat(provider.channels().earningsOf(author.account()))
        .isEqualTo(TokenAmount.of(royaltyDue));
    count("split-kept");
  }
}
