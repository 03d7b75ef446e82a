package io.verinfer.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.chain.facade.PaymentChannelsFacade.LaneState;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.BeforeTry;

/**
 * Random sequences of deposit / sign / redeem / batch-redeem / withdraw / stake / unbond / claim /
 * fee-change against the real contracts, checked after every step against an independent Java model
 * of the money rules: tokens are conserved (all balances plus contract holdings equal the supply),
 * the channels hold exactly the deposits plus unclaimed earnings, every lane has been paid exactly
 * its newest redeemed voucher and never more than the newest voucher signed for it, and a refused
 * step changes nothing.
 */
class MoneyInvariantsIT {
  private static final int CONSUMERS = 3;
  private static final int PROVIDERS = 2;
  private static final int[] ROYALTIES_BPS = {2_500, 0}; // 25 % and none
  private static final BigInteger MAX = BigInteger.TWO.pow(255);
  private static final long INITIAL_DEPOSIT = 5_000;

  private static Actors setup;
  private static final List<ModelId> MODELS = new ArrayList<>();
  private static String baseline;

  private static final Map<String, Integer> OUTCOMES = new java.util.TreeMap<>();

  private Actors actors;
  private Model model;

  /** One step: what to do and with which (bounded) numbers. */
  record Op(int kind, int a, int b, int c, long amount, long calls, boolean flag) {}

  record Lane(int consumer, int provider, int model) {}

  @BeforeContainer
  static void publishModelsAndApprove() {
    setup = new Actors();
    for (int m = 0; m < ROYALTIES_BPS.length; m++) {
      MODELS.add(Actors.publish(setup.author(m), "invariants-" + m, ROYALTIES_BPS[m]));
    }
    for (int i = 0; i < CONSUMERS; i++) {
      var c = setup.consumer(i);
      c.token().approve(c.channels().address(), TokenAmount.of(MAX));
      c.channels().deposit(TokenAmount.of(INITIAL_DEPOSIT));
    }
    for (int j = 0; j < PROVIDERS; j++) {
      var p = setup.provider(j);
      p.token().approve(p.providers().address(), TokenAmount.of(MAX));
    }
    baseline = SharedDevnet.snapshot();
  }

  @AfterContainer
  static void close() {
    SharedDevnet.revert(baseline);
    setup.close();
    // guard against a vacuous run: the sequences must have both paid and refused redemptions
    System.out.println("MoneyInvariantsIT outcomes: " + OUTCOMES);
    // guards ask for each path to have run, not for counts the random sequences do not promise
    // (CI runs have drawn 9 to 19 single redemptions and 3 to 20 paid batches)
    assertThat(OUTCOMES.getOrDefault("redeemed", 0)).isPositive();
    assertThat(OUTCOMES.getOrDefault("batch-redeemed", 0)).isPositive();
    assertThat(OUTCOMES.getOrDefault("refused:StaleVoucher", 0)).isPositive();
    assertThat(OUTCOMES.getOrDefault("refused:InsufficientDeposit", 0)).isPositive();
  }

  private static void count(String outcome) {
    OUTCOMES.merge(outcome, 1, Integer::sum);
  }

  @BeforeTry
  void freshState() {
    SharedDevnet.revert(baseline);
    baseline = SharedDevnet.snapshot();
    actors = new Actors();
    model = new Model();
    for (int c = 0; c < CONSUMERS; c++) {
      model.deposit.put(c, BigInteger.valueOf(INITIAL_DEPOSIT));
    }
  }

  @AfterTry
  void closeActors() {
    actors.close();
  }

  @Property(tries = 40)
  void moneyIsConservedAndNoLaneIsOverpaid(@ForAll("ops") List<Op> ops) {
    for (Op op : ops) {
      apply(op);
      checkInvariants();
    }
  }

  @Provide
  Arbitrary<List<Op>> ops() {
    // signing and redeeming are what the invariants are about: make them the common steps
    Arbitrary<Integer> kind =
        Arbitraries.frequency(
            Tuple.of(3, 0),
            Tuple.of(5, 1),
            Tuple.of(4, 2),
            Tuple.of(3, 3),
            Tuple.of(1, 4),
            Tuple.of(1, 5),
            Tuple.of(1, 6),
            Tuple.of(1, 7),
            Tuple.of(1, 8),
            Tuple.of(1, 9));
    return Combinators.combine(
            kind,
            Arbitraries.integers().between(0, 99),
            Arbitraries.integers().between(0, 99),
            Arbitraries.integers().between(0, 99),
            Arbitraries.longs().between(0, 20_000).withDistribution(RandomDistribution.uniform()),
            Arbitraries.longs().between(0, 40).withDistribution(RandomDistribution.uniform()),
            Arbitraries.of(true, false))
        .as(Op::new)
        .list()
        .ofMinSize(4)
        .ofMaxSize(14);
  }

  private void apply(Op op) {
    int c = op.a() % CONSUMERS;
    int p = op.b() % PROVIDERS;
    int m = op.c() % MODELS.size();
    switch (op.kind()) {
      case 0 -> deposit(c, 1 + op.amount());
      case 1 -> sign(new Lane(c, p, m), op.amount() % 1_500, op.calls());
      case 2 -> redeem(op.c(), op.flag());
      case 3 -> redeemBatch(p, op.a());
      case 4 -> requestWithdrawal(c, op.amount());
      case 5 -> withdraw(c, op.flag());
      case 6 -> stake(p, 1 + op.amount());
      case 7 -> unbond(p, op.amount());
      case 8 -> claim(op.a() % 5);
      default -> setFee((int) (op.amount() % 2_001));
    }
  }

  private void deposit(int c, long amount) {
    actors.consumer(c).channels().deposit(TokenAmount.of(amount));
    model.deposit.merge(c, BigInteger.valueOf(amount), BigInteger::add);
    count("deposit");
  }

  private void sign(Lane lane, long addAmount, long addCalls) {
    if (addAmount == 0 && addCalls == 0) {
      return;
    }
    long[] prev = model.newest.getOrDefault(lane, new long[] {0, 0});
    long[] next = {prev[0] + addAmount, prev[1] + addCalls};
    model.newest.put(lane, next);
    model.signed.computeIfAbsent(lane, k -> new ArrayList<>()).add(voucher(lane, next));
  }

  private SignedVoucher voucher(Lane lane, long[] state) {
    return actors.voucher(
        Actors.CONSUMER_0 + lane.consumer(),
        Actors.address(Actors.PROVIDER_0 + lane.provider()),
        MODELS.get(lane.model()),
        TokenAmount.of(state[0]),
        state[1]);
  }

  private void redeem(int pick, boolean older) {
    if (model.signed.isEmpty()) {
      return;
    }
    Lane lane = new ArrayList<>(model.signed.keySet()).get(pick % model.signed.size());
    List<SignedVoucher> held = model.signed.get(lane);
    SignedVoucher v = older ? held.get(0) : held.get(held.size() - 1);
    var provider = actors.provider(lane.provider()).channels();
    String expected = model.rejection(lane, v);
    if (expected != null) {
      assertRefused(() -> provider.redeem(v), expected);
      return;
    }
    provider.redeem(v);
    model.settle(lane, v, fee(), this::author);
    count("redeemed");
  }

  private void redeemBatch(int p, int seed) {
    List<Map.Entry<Lane, SignedVoucher>> batch = new ArrayList<>();
    model.signed.forEach(
        (lane, list) -> {
          if (lane.provider() == p) {
            batch.add(Map.entry(lane, list.get(list.size() - 1)));
          }
        });
    if (batch.isEmpty()) {
      return;
    }
    Collections.shuffle(batch, new Random(seed));
    Model trial = model.copy();
    String refusal = null;
    int feeBps = fee();
    for (var e : batch) {
      String why = trial.rejection(e.getKey(), e.getValue());
      if ("StaleVoucher".equals(why)) {
        continue;
      }
      if (why != null) {
        refusal = why;
        break;
      }
      trial.settle(e.getKey(), e.getValue(), feeBps, this::author);
    }
    List<SignedVoucher> vouchers = batch.stream().map(Map.Entry::getValue).toList();
    var channels = actors.provider(p).channels();
    if (refusal != null) {
      assertRefused(() -> channels.redeemBatch(vouchers), refusal);
      return;
    }
    channels.redeemBatch(vouchers);
    model = trial;
    count("batch-redeemed");
  }

  private void requestWithdrawal(int c, long amount) {
    var channels = actors.consumer(c).channels();
    BigInteger deposit = model.deposit.getOrDefault(c, BigInteger.ZERO);
    if (amount == 0) {
      assertRefused(() -> channels.requestWithdrawal(TokenAmount.ZERO), "ZeroAmount");
    } else if (BigInteger.valueOf(amount).compareTo(deposit) > 0) {
      assertRefused(
          () -> channels.requestWithdrawal(TokenAmount.of(amount)), "InsufficientDeposit");
    } else {
      channels.requestWithdrawal(TokenAmount.of(amount));
    }
  }

  private void withdraw(int c, boolean waitForDelay) {
    var channels = actors.consumer(c).channels();
    var pending = channels.withdrawalOf(actors.consumer(c).account());
    if (pending.amount().isZero()) {
      assertRefused(channels::withdraw, "NoPendingWithdrawal");
      return;
    }
    long now = SharedDevnet.latestTimestamp();
    long readyAt = pending.readyAt().getEpochSecond();
    if (now + 30 > pending.expiresAt().getEpochSecond()) { // lapsed, or about to as we call
      if (now > pending.expiresAt().getEpochSecond()) {
        assertRefused(channels::withdraw, "WithdrawalLapsed");
      }
      return;
    }
    if (!waitForDelay && readyAt > now + 30) {
      assertRefused(channels::withdraw, "WithdrawalNotReady");
      return;
    }
    if (readyAt > now) {
      SharedDevnet.increaseTime(readyAt - now + 1);
    }
    BigInteger deposit = model.deposit.getOrDefault(c, BigInteger.ZERO);
    BigInteger paid = pending.amount().baseUnits().min(deposit);
    channels.withdraw();
    model.deposit.put(c, deposit.subtract(paid));
  }

  private void stake(int p, long amount) {
    actors.provider(p).providers().stake(TokenAmount.of(amount));
    model.stake.merge(p, BigInteger.valueOf(amount), BigInteger::add);
  }

  private void unbond(int p, long amount) {
    var registry = actors.provider(p).providers();
    BigInteger staked = model.stake.getOrDefault(p, BigInteger.ZERO);
    if (amount == 0) {
      assertRefused(() -> registry.requestUnbond(TokenAmount.ZERO), "ZeroAmount");
    } else if (BigInteger.valueOf(amount).compareTo(staked) > 0) {
      assertRefused(() -> registry.requestUnbond(TokenAmount.of(amount)), "InsufficientStake");
    } else {
      registry.requestUnbond(TokenAmount.of(amount));
      model.stake.put(p, staked.subtract(BigInteger.valueOf(amount)));
    }
  }

  private void claim(int who) {
    int index =
        switch (who) {
          case 0, 1 -> Actors.PROVIDER_0 + who;
          case 2, 3 -> Actors.AUTHOR_0 + who - 2;
          default -> -1; // the treasury contract: anyone collects for it
        };
    if (index < 0) {
      Address treasury = Actors.treasuryAddress();
      var collector = actors.account(Actors.OUTSIDER);
      Address channelsAddress = collector.channels().address();
      TokenAmount before = collector.token().balanceOf(treasury);
      BigInteger owed = model.earnings.getOrDefault(treasury, BigInteger.ZERO);
      if (owed.signum() == 0) {
        assertRefused(
            () -> collector.treasury().collectEarnings(channelsAddress), "NothingToClaim");
        return;
      }
      collector.treasury().collectEarnings(channelsAddress);
      assertThat(collector.token().balanceOf(treasury).minus(before).baseUnits()).isEqualTo(owed);
      model.earnings.remove(treasury);
      return;
    }
    Address account = Actors.address(index);
    var channels = actors.account(index).channels();
    if (model.earnings.getOrDefault(account, BigInteger.ZERO).signum() == 0) {
      assertRefused(channels::claimEarnings, "NothingToClaim");
      return;
    }
    channels.claimEarnings();
    model.earnings.remove(account);
  }

  private void setFee(int bps) {
    io.verinfer.chain.testing.Enact.set("protocolFeeBps=" + bps);
  }

  private int fee() {
    return actors.admin().params().protocolFeeBps();
  }

  private Address author(int m) {
    return Actors.address(Actors.AUTHOR_0 + m);
  }

  private void assertRefused(Runnable action, String error) {
    count("refused:" + error);
    assertThatThrownBy(action::run)
        .isInstanceOfSatisfying(
            ContractRevertException.class,
            e -> {
              assertThat(e.errorName()).isEqualTo(error);
            });
  }

  private void checkInvariants() {
    var admin = actors.admin();
    BigInteger total = BigInteger.ZERO;
    for (int i = 0; i < io.verinfer.chain.devnet.DevAccounts.COUNT; i++) {
      total = total.add(admin.token().balanceOf(Actors.address(i)).baseUnits());
    }
    BigInteger channelsHolding = admin.token().balanceOf(admin.channels().address()).baseUnits();
    BigInteger registryHolding = admin.token().balanceOf(admin.providers().address()).baseUnits();
    BigInteger treasuryHolding = admin.token().balanceOf(Actors.treasuryAddress()).baseUnits();
    assertThat(total.add(channelsHolding).add(registryHolding).add(treasuryHolding))
        .as("tokens conserved")
        .isEqualTo(admin.token().totalSupply().baseUnits());

    BigInteger owed = BigInteger.ZERO;
    for (int c = 0; c < CONSUMERS; c++) {
      BigInteger onChain =
          admin.channels().depositOf(Actors.address(Actors.CONSUMER_0 + c)).baseUnits();
      assertThat(onChain)
          .as("deposit of consumer %d", c)
          .isEqualTo(model.deposit.getOrDefault(c, BigInteger.ZERO));
      owed = owed.add(onChain);
    }
    for (Address payee : payees()) {
      BigInteger onChain = admin.channels().earningsOf(payee).baseUnits();
      assertThat(onChain)
          .as("earnings of %s", payee)
          .isEqualTo(model.earnings.getOrDefault(payee, BigInteger.ZERO));
      owed = owed.add(onChain);
    }
    assertThat(channelsHolding).as("channels hold deposits + earnings").isEqualTo(owed);

    for (var e : model.newest.entrySet()) {
      Lane lane = e.getKey();
      LaneState state =
          admin
              .channels()
              .laneOf(
                  Actors.address(Actors.CONSUMER_0 + lane.consumer()),
                  Actors.address(Actors.PROVIDER_0 + lane.provider()),
                  MODELS.get(lane.model()));
      long[] redeemed = model.redeemed.getOrDefault(lane, new long[] {0, 0});
      assertThat(state)
          .as("lane %s", lane)
          .isEqualTo(new LaneState(TokenAmount.of(redeemed[0]), redeemed[1]));
      assertThat(state.amount().baseUnits().longValueExact())
          .as("lane %s paid ≤ newest", lane)
          .isLessThanOrEqualTo(e.getValue()[0]);
    }
    for (int p = 0; p < PROVIDERS; p++) {
      assertThat(admin.providers().stakeOf(Actors.address(Actors.PROVIDER_0 + p)).baseUnits())
          .isEqualTo(model.stake.getOrDefault(p, BigInteger.ZERO));
    }
  }

  private static List<Address> payees() {
    List<Address> out = new ArrayList<>();
    for (int p = 0; p < PROVIDERS; p++) {
      out.add(Actors.address(Actors.PROVIDER_0 + p));
    }
    for (int m = 0; m < ROYALTIES_BPS.length; m++) {
      out.add(Actors.address(Actors.AUTHOR_0 + m));
    }
    out.add(Actors.treasuryAddress());
    return out;
  }

  /** The money rules written down independently of the contract. */
  static final class Model {
    final Map<Integer, BigInteger> deposit = new HashMap<>();
    final Map<Address, BigInteger> earnings = new HashMap<>();
    final Map<Integer, BigInteger> stake = new HashMap<>();
    final Map<Lane, long[]> redeemed = new HashMap<>();
    final Map<Lane, long[]> newest = new LinkedHashMap<>();
    final Map<Lane, List<SignedVoucher>> signed = new LinkedHashMap<>();

    Model copy() {
      Model m = new Model();
      m.deposit.putAll(deposit);
      m.earnings.putAll(earnings);
      m.stake.putAll(stake);
      redeemed.forEach((k, v) -> m.redeemed.put(k, v.clone()));
      m.newest.putAll(newest);
      m.signed.putAll(signed);
      return m;
    }

    /** The custom error a redemption of {@code v} must revert with, or null if it pays. */
    String rejection(Lane lane, SignedVoucher v) {
      long[] done = redeemed.getOrDefault(lane, new long[] {0, 0});
      long amount = v.voucher().cumulativeAmount().baseUnits().longValueExact();
      long calls = v.voucher().cumulativeCalls();
      if (amount <= done[0] && calls <= done[1]) {
        return "StaleVoucher";
      }
      if (amount < done[0] || calls < done[1]) {
        return "NonMonotonicVoucher";
      }
      BigInteger delta = BigInteger.valueOf(amount - done[0]);
      return delta.compareTo(deposit.getOrDefault(lane.consumer(), BigInteger.ZERO)) > 0
          ? "InsufficientDeposit"
          : null;
    }

    void settle(
        Lane lane, SignedVoucher v, int feeBps, java.util.function.IntFunction<Address> author) {
      long[] done = redeemed.getOrDefault(lane, new long[] {0, 0});
      long amount = v.voucher().cumulativeAmount().baseUnits().longValueExact();
      long calls = v.voucher().cumulativeCalls();
      long dAmount = amount - done[0];
      long dCalls = calls - done[1];
      long fee = dAmount * feeBps / 10_000;
      long royalty = (dAmount - fee) * ROYALTIES_BPS[lane.model()] / 10_000;
      deposit.merge(lane.consumer(), BigInteger.valueOf(-dAmount), BigInteger::add);
      earnings.merge(Actors.treasuryAddress(), BigInteger.valueOf(fee), BigInteger::add);
      earnings.merge(author.apply(lane.model()), BigInteger.valueOf(royalty), BigInteger::add);
      earnings.merge(
          Actors.address(Actors.PROVIDER_0 + lane.provider()),
          BigInteger.valueOf(dAmount - fee - royalty),
          BigInteger::add);
      earnings.values().removeIf(x -> x.signum() == 0);
      redeemed.put(lane, new long[] {amount, calls});
    }
  }
}
