package io.verinfer.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.gov.GovAction;
import io.verinfer.chain.gov.GovCalls;
import io.verinfer.chain.gov.GovParam;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.ChainAudit;
import io.verinfer.chain.testing.Enact;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.protocol.Address;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.BeforeTry;

/**
 * Random sequences of executed proposals, each setting random governed values — in bounds, at a
 * bound, just past one or far outside, several per proposal, good and bad mixed — for random
 * parameters of ProtocolParams, the Governor and the timelock. After every proposal every parameter
 * is read back and must lie within the hard bound this test derives from the contracts' constants;
 * the proposal must have done exactly what an independent model of those bounds predicts: all of
 * its changes, or (one bad value anywhere) nothing at all; and {@code slashBps} never reaches 100%.
 */
class GovernanceBoundsIT {
  private static final BigInteger BPS = BigInteger.valueOf(10_000); // ProtocolParams' private BPS

  /** The faucet (account 0) votes too, so a maximal quorum or threshold never blocks the run. */
  private static final int PROPOSER = 0;

  private static final int[] VOTERS = {0, 14, 15};

  private static String pristine;
  private static String baseline;
  private static Map<GovParam, Bound> bounds;
  private static BigInteger disputeMargin;
  private static BigInteger delayFloorOfAnyDeployment;
  private static final Map<String, Integer> OUTCOMES = new TreeMap<>();
  private static final Map<GovParam, Integer> ACCEPTED_CHANGES = new EnumMap<>(GovParam.class);

  /** A hard bound: min ≤ value ≤ max (and odd, for the committee). */
  record Bound(BigInteger min, BigInteger max, boolean odd) {
    boolean admits(BigInteger v) {
      return v.compareTo(min) >= 0 && v.compareTo(max) <= 0 && (!odd || v.testBit(0));
    }

    static Bound of(BigInteger min, BigInteger max) {
      return new Bound(min, max, false);
    }
  }

  /**
   * One change of a proposal. For {@code CHALLENGER_REWARD_BPS} it is the pair call {@code
   * setRewardShares(value, voterShare)}; {@code voterShare} is unused otherwise.
   */
  record Change(GovParam param, BigInteger value, BigInteger voterShare) {
    @Override
    public String toString() {
      return param == GovParam.CHALLENGER_REWARD_BPS
          ? "rewardShares=" + value + "/" + voterShare
          : param.key + "=" + value;
    }
  }

  @BeforeContainer
  static void readBounds() {
    pristine = SharedDevnet.snapshot();
    Enact.governance(PROPOSER).delegate(Actors.address(PROPOSER));
    SharedDevnet.mine();
    ChainAudit chain = new ChainAudit(SharedDevnet.web3j(), SharedDevnet.get().deployment());
    Address pp = chain.contracts().get("ProtocolParams");
    Address gov = chain.contracts().get("VerinferGovernor");
    Address lock = chain.contracts().get("VerinferTimelock");
    Address token = chain.contracts().get("VerinferToken");
    java.util.function.Function<String, BigInteger> p = n -> chain.uint(pp, n);
    BigInteger zero = BigInteger.ZERO;
    BigInteger one = BigInteger.ONE;
    Map<GovParam, Bound> b = new EnumMap<>(GovParam.class);
    b.put(GovParam.PROTOCOL_FEE_BPS, Bound.of(zero, p.apply("MAX_PROTOCOL_FEE_BPS")));
    b.put(GovParam.MIN_PROVIDER_STAKE, Bound.of(p.apply("MIN_PROVIDER_STAKE"), typeMax(128)));
    // the cross-rule (unbonding outlasts a dispute) is checked on the whole state, see below
    b.put(GovParam.UNBONDING_DELAY, Bound.of(zero, p.apply("MAX_DELAY")));
    b.put(GovParam.WITHDRAW_DELAY, Bound.of(p.apply("MIN_WITHDRAW_DELAY"), p.apply("MAX_DELAY")));
    b.put(
        GovParam.WITHDRAW_WINDOW,
        Bound.of(p.apply("MIN_WITHDRAW_WINDOW"), p.apply("MAX_WITHDRAW_WINDOW")));
    b.put(GovParam.TERMS_NOTICE, Bound.of(p.apply("MIN_TERMS_NOTICE"), p.apply("MAX_DELAY")));
    b.put(
        GovParam.COMMITTEE_SIZE,
        new Bound(p.apply("MIN_COMMITTEE"), p.apply("MAX_COMMITTEE"), true));
    Bound window = Bound.of(p.apply("MIN_WINDOW"), p.apply("MAX_WINDOW"));
    for (GovParam w :
        List.of(
            GovParam.COMMIT_WINDOW,
            GovParam.REVEAL_WINDOW,
            GovParam.REQUEST_TIMEOUT,
            GovParam.CHALLENGE_WINDOW)) {
      b.put(w, window);
    }
    BigInteger disputeBytes = p.apply("MAX_DISPUTE_BYTES");
    b.put(GovParam.MAX_DISPUTE_BYTES, Bound.of(one, disputeBytes));
    b.put(GovParam.MAX_REQUEST_BYTES, Bound.of(one, disputeBytes.shiftRight(1)));
    b.put(GovParam.MAX_OUTPUT_BYTES, Bound.of(one, disputeBytes.shiftRight(1)));
    b.put(GovParam.SLASH_BPS, Bound.of(p.apply("MIN_SLASH_BPS"), p.apply("MAX_SLASH_BPS")));
    b.put(GovParam.CHALLENGER_REWARD_BPS, Bound.of(zero, BPS)); // and the pair's sum ≤ BPS
    b.put(GovParam.VOTER_REWARD_BPS, Bound.of(zero, BPS));
    b.put(GovParam.DISPUTE_BOND, Bound.of(p.apply("MIN_DISPUTE_BOND"), typeMax(128)));
    b.put(GovParam.NON_REVEAL_PENALTY, Bound.of(zero, typeMax(128)));
    b.put(GovParam.TREASURY, Bound.of(one, typeMax(160)));
    b.put(GovParam.VOTING_DELAY, Bound.of(zero, chain.uint(gov, "MAX_VOTING_DELAY")));
    b.put(
        GovParam.VOTING_PERIOD,
        Bound.of(chain.uint(gov, "minVotingPeriod"), chain.uint(gov, "MAX_VOTING_PERIOD")));
    b.put(
        GovParam.PROPOSAL_THRESHOLD,
        Bound.of(
            zero,
            chain
                .uint(token, "totalSupply")
                .multiply(chain.uint(gov, "MAX_THRESHOLD_BPS"))
                .divide(BPS)));
    b.put(
        GovParam.QUORUM_BPS,
        Bound.of(chain.uint(gov, "MIN_QUORUM_BPS"), chain.uint(gov, "MAX_QUORUM_BPS")));
    b.put(
        GovParam.TIMELOCK_DELAY,
        Bound.of(chain.uint(lock, "minDelayFloor"), chain.uint(lock, "MAX_DELAY")));
    bounds = b;
    disputeMargin = p.apply("DISPUTE_MARGIN");
    delayFloorOfAnyDeployment = chain.uint(lock, "MIN_DELAY_FLOOR");
    assertThat(bounds.get(GovParam.TIMELOCK_DELAY).min())
        .isGreaterThanOrEqualTo(delayFloorOfAnyDeployment);
    assertThat(bounds.get(GovParam.SLASH_BPS).max()).isLessThan(BPS);
    assertThat(bounds.keySet()).containsExactlyInAnyOrder(GovParam.values());
    baseline = SharedDevnet.snapshot();
  }

  @AfterContainer
  static void restore() {
    SharedDevnet.revert(pristine);
    System.out.println("GovernanceBoundsIT outcomes: " + OUTCOMES);
    System.out.println("GovernanceBoundsIT accepted changes: " + ACCEPTED_CHANGES);
    // not vacuous: some proposals went through and some bad ones were refused
    assertThat(OUTCOMES).containsKey("accepted");
    assertThat(OUTCOMES.keySet()).anyMatch(k -> !k.equals("accepted"));
  }

  @BeforeTry
  void freshState() {
    SharedDevnet.revert(baseline);
    baseline = SharedDevnet.snapshot();
  }

  // ---------------------------------------------------------------- generators

  private static BigInteger typeMax(int bits) {
    return BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
  }

  /** Values for {@code p}: in bounds (at either end or between) or out (just past, far past). */
  private static Arbitrary<BigInteger> values(GovParam p) {
    Bound b = bounds.get(p);
    BigInteger typeMax = typeMax(p.kind.bits);
    List<Arbitrary<BigInteger>> good = new ArrayList<>();
    List<Arbitrary<BigInteger>> bad = new ArrayList<>();
    if (b.odd()) {
      good.add(Arbitraries.of(oddsBetween(b.min(), b.max())));
      bad.add(Arbitraries.of(evensBetween(b.min(), b.max())));
    } else {
      good.add(Arbitraries.just(b.min()));
      good.add(Arbitraries.just(b.max()));
      good.add(Arbitraries.bigIntegers().between(b.min(), b.max()));
    }
    if (b.min().signum() > 0) {
      bad.add(Arbitraries.just(b.min().subtract(BigInteger.ONE)));
      bad.add(Arbitraries.bigIntegers().between(BigInteger.ZERO, b.min().subtract(BigInteger.ONE)));
    }
    if (b.max().compareTo(typeMax) < 0) {
      bad.add(Arbitraries.just(b.max().add(BigInteger.ONE)));
      bad.add(Arbitraries.just(typeMax));
      bad.add(Arbitraries.bigIntegers().between(b.max().add(BigInteger.ONE), typeMax));
      if (p.kind == GovParam.Kind.BPS && BPS.compareTo(b.max()) > 0) {
        bad.add(Arbitraries.just(BPS)); // 100%
      }
    }
    Arbitrary<BigInteger> goodOne = Arbitraries.oneOf(good);
    if (bad.isEmpty()) return goodOne;
    return Arbitraries.frequencyOf(Tuple.of(4, goodOne), Tuple.of(1, Arbitraries.oneOf(bad)));
  }

  private static List<BigInteger> oddsBetween(BigInteger min, BigInteger max) {
    List<BigInteger> out = new ArrayList<>();
    for (BigInteger v = min; v.compareTo(max) <= 0; v = v.add(BigInteger.ONE)) {
      if (v.testBit(0)) out.add(v);
    }
    return out;
  }

  private static List<BigInteger> evensBetween(BigInteger min, BigInteger max) {
    List<BigInteger> out = new ArrayList<>();
    for (BigInteger v = min; v.compareTo(max) <= 0; v = v.add(BigInteger.ONE)) {
      if (!v.testBit(0)) out.add(v);
    }
    return out;
  }

  private static Arbitrary<Change> change() {
    List<Tuple.Tuple2<Integer, Arbitrary<Change>>> choices = new ArrayList<>();
    for (GovParam p : GovParam.values()) {
      if (p == GovParam.VOTER_REWARD_BPS) continue;
      Arbitrary<Change> c;
      if (p == GovParam.CHALLENGER_REWARD_BPS) {
        Arbitrary<BigInteger> share =
            Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.bigIntegers().between(BigInteger.ZERO, BPS)),
                Tuple.of(
                    1, Arbitraries.bigIntegers().between(BPS.add(BigInteger.ONE), typeMax(16))));
        c = Combinators.combine(share, share).as((x, y) -> new Change(p, x, y));
      } else {
        c = values(p).map(v -> new Change(p, v, BigInteger.ZERO));
      }
      // the governance settings are few: weigh them up so every run covers them
      int weight = p.holder == GovParam.Holder.PARAMS ? 1 : 4;
      choices.add(Tuple.of(weight, c));
    }
    return Arbitraries.frequencyOf(choices);
  }

  @Provide
  Arbitrary<List<List<Change>>> sequences() {
    return change().list().ofMinSize(1).ofMaxSize(3).list().ofMinSize(1).ofMaxSize(4);
  }

  // ---------------------------------------------------------------- the property

  // the generators already aim at the bounds: jqwik's own edge cases would only repeat the first
  // parameter of the table
  @Property(tries = 10, edgeCases = EdgeCasesMode.NONE)
  void everyExecutedProposalKeepsEveryParameterInBoundsAndIsAllOrNothing(
      @ForAll("sequences") List<List<Change>> proposals) {
    for (List<Change> proposal : proposals) {
      enactAndCheck(proposal);
    }
  }

  /**
   * Every bound of the table, one at a time: a proposal just below it and one just above it (where
   * the type allows), then one setting it to its maximum and one to its minimum (accepted unless
   * the cross-rule of unbonding and dispute windows refuses it, as the model predicts).
   */
  @Example
  void everyBoundHoldsExactlyAtItsEdge() {
    for (GovParam p : GovParam.values()) {
      if (p == GovParam.VOTER_REWARD_BPS) continue;
      Bound b = bounds.get(p);
      if (p == GovParam.CHALLENGER_REWARD_BPS) {
        enactAndCheck(List.of(new Change(p, BPS, BigInteger.ONE))); // 100% + 1 bp
        enactAndCheck(
            List.of(new Change(p, BPS, BigInteger.ZERO), new Change(p, BigInteger.ZERO, BPS)));
        continue;
      }
      if (b.min().signum() > 0) {
        enactAndCheck(List.of(new Change(p, b.min().subtract(BigInteger.ONE), BigInteger.ZERO)));
      }
      if (b.max().compareTo(typeMax(p.kind.bits)) < 0) {
        enactAndCheck(List.of(new Change(p, b.max().add(BigInteger.ONE), BigInteger.ZERO)));
      }
      enactAndCheck(List.of(new Change(p, b.max(), BigInteger.ZERO)));
      enactAndCheck(List.of(new Change(p, b.min(), BigInteger.ZERO)));
    }
  }

  /**
   * Enacts {@code proposal} (a full vote) and checks that it did exactly what the bounds table
   * predicts — all of it or nothing — and that every parameter is within its bound afterwards.
   */
  private static void enactAndCheck(List<Change> proposal) {
    GovCalls calls = Enact.governance(PROPOSER).calls();
    Map<String, BigInteger> before = readAll();
    Optional<Map<String, BigInteger>> predicted = predict(before, proposal);
    List<GovAction> actions = proposal.stream().map(c -> action(calls, c)).toList();
    String outcome;
    try {
      Enact.actions(actions, PROPOSER, VOTERS);
      outcome = "accepted";
    } catch (ContractRevertException e) {
      outcome = e.errorName();
    }
    OUTCOMES.merge(outcome, 1, Integer::sum);
    Map<String, BigInteger> after = readAll();
    System.out.printf("GovernanceBoundsIT: %s -> %s%n", proposal, outcome);
    if (predicted.isPresent()) {
      assertThat(outcome).as("%s is within every bound", proposal).isEqualTo("accepted");
      assertThat(after).as("after %s", proposal).isEqualTo(predicted.get());
      proposal.forEach(c -> ACCEPTED_CHANGES.merge(c.param(), 1, Integer::sum));
    } else {
      assertThat(outcome).as("%s breaks a bound", proposal).isNotEqualTo("accepted");
      assertThat(after).as("a refused proposal changes nothing: %s", proposal).isEqualTo(before);
    }
    assertWithinBounds(after);
  }

  private static GovAction action(GovCalls calls, Change c) {
    return c.param() == GovParam.CHALLENGER_REWARD_BPS
        ? calls.rewardShares(c.value(), c.voterShare())
        : calls.set(c.param(), c.value());
  }

  /**
   * What the contracts should hold after {@code proposal}, applying its calls in order as the
   * bounds table says; empty if any call must revert (then the whole proposal reverts).
   */
  private static Optional<Map<String, BigInteger>> predict(
      Map<String, BigInteger> state, List<Change> proposal) {
    Map<String, BigInteger> s = new TreeMap<>(state);
    for (Change c : proposal) {
      GovParam p = c.param();
      if (p == GovParam.CHALLENGER_REWARD_BPS) {
        if (c.value().add(c.voterShare()).compareTo(BPS) > 0) return Optional.empty();
        s.put(GovParam.CHALLENGER_REWARD_BPS.key, c.value());
        s.put(GovParam.VOTER_REWARD_BPS.key, c.voterShare());
        continue;
      }
      if (!bounds.get(p).admits(c.value())) return Optional.empty();
      s.put(p.key, c.value());
      if (p == GovParam.UNBONDING_DELAY) {
        s.put("longestUnbondingDelay", s.get("longestUnbondingDelay").max(c.value()));
      }
      boolean crossChecked =
          p == GovParam.UNBONDING_DELAY
              || p == GovParam.CHALLENGE_WINDOW
              || p == GovParam.COMMIT_WINDOW
              || p == GovParam.REVEAL_WINDOW;
      if (crossChecked && !unbondingCoversDisputes(s)) return Optional.empty();
    }
    return Optional.of(s);
  }

  private static boolean unbondingCoversDisputes(Map<String, BigInteger> s) {
    BigInteger needed =
        s.get(GovParam.CHALLENGE_WINDOW.key)
            .add(s.get(GovParam.COMMIT_WINDOW.key))
            .add(s.get(GovParam.REVEAL_WINDOW.key))
            .add(disputeMargin);
    return s.get(GovParam.UNBONDING_DELAY.key).compareTo(needed) >= 0;
  }

  private static void assertWithinBounds(Map<String, BigInteger> s) {
    for (GovParam p : GovParam.values()) {
      assertThat(bounds.get(p).admits(s.get(p.key)))
          .as("%s = %s within %s", p.key, s.get(p.key), bounds.get(p))
          .isTrue();
    }
    assertThat(s.get(GovParam.SLASH_BPS.key)).as("slashBps").isLessThan(BPS);
    assertThat(s.get(GovParam.CHALLENGER_REWARD_BPS.key).add(s.get(GovParam.VOTER_REWARD_BPS.key)))
        .as("challenger + voter shares")
        .isLessThanOrEqualTo(BPS);
    assertThat(unbondingCoversDisputes(s)).as("unbonding outlasts a dispute: %s", s).isTrue();
    assertThat(s.get("longestUnbondingDelay"))
        .as("longestUnbondingDelay ≥ unbondingDelay (a new slasher waits at least that)")
        .isGreaterThanOrEqualTo(s.get(GovParam.UNBONDING_DELAY.key));
  }

  /** Every governed value as the chain holds it now, by name. */
  private static Map<String, BigInteger> readAll() {
    Map<String, BigInteger> s = new LinkedHashMap<>();
    for (GovParam p : GovParam.values()) {
      s.put(p.key, Enact.current(p));
    }
    ChainAudit chain = new ChainAudit(SharedDevnet.web3j(), SharedDevnet.get().deployment());
    s.put(
        "longestUnbondingDelay",
        chain.uint(chain.contracts().get("ProtocolParams"), "longestUnbondingDelay"));
    return new TreeMap<>(s);
  }
}
