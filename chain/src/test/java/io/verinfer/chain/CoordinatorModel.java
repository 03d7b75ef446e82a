package io.verinfer.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.facade.DisputeManagerFacade.Verdict;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Ticket;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.ModelId;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The InferenceCoordinator's money rules as its NatSpec states them, written down for {@link
 * CoordinatorInvariantsIT}: what a request reserves, how a delivered answer's price splits, where
 * every token the coordinator holds belongs, and which error a refused call names (checked in the
 * contract's order, since the order decides the name).
 */
final class CoordinatorModel {
  static final BigInteger BPS = BigInteger.valueOf(10_000);
  static final int MAX_ASSIGNMENTS = 3;

  /** How a request ended (each by exactly one event). */
  enum End {
    FULFILLED,
    REJECTED,
    CANCELLED
  }

  /**
   * A call's predicted outcome: refused with {@code error}, possibly mined if {@code maySucceed}.
   */
  record Expect(String error, boolean maySucceed) {
    static final Expect OK = new Expect(null, true);

    static Expect refused(String error) {
      return new Expect(error, false);
    }
  }

  /** What the model knows of one request. */
  static final class Req {
    final long id;
    final Address requester;
    final int mode;
    final BigInteger maxFee;
    final long callbackGas;
    final byte[] input;
    final List<Ticket> history = new ArrayList<>(); // every ticket it had, the current one last
    byte[] output;
    long disputeId;
    Verdict verdict = Verdict.PENDING;
    End end;

    Req(long id, Address requester, int mode, BigInteger maxFee, long callbackGas, byte[] input) {
      this.id = id;
      this.requester = requester;
      this.mode = mode;
      this.maxFee = maxFee;
      this.callbackGas = callbackGas;
      this.input = input;
    }

    Ticket ticket() {
      return history.getLast();
    }

    boolean open() {
      return end == null;
    }

    boolean proposed() {
      return ticket().proposed();
    }

    BigInteger reserve() {
      return ticket().fee().baseUnits();
    }
  }

  final ModelId model;
  final Address author;
  final Address treasury;
  final BigInteger minStake;
  final int slashBps;
  int feeBps;
  BigInteger royaltyBps;
  final Map<Address, BigInteger> price = new LinkedHashMap<>();
  final Map<Address, BigInteger> stake = new LinkedHashMap<>();
  final Map<Address, BigInteger> deposit = new LinkedHashMap<>();
  final Map<Address, BigInteger> earnings = new LinkedHashMap<>();
  final Map<Long, Req> requests = new TreeMap<>();
  BigInteger royaltyShare = BigInteger.ZERO;
  BigInteger feeShare = BigInteger.ZERO;
  long answers;

  CoordinatorModel(
      ModelId model,
      Address author,
      Address treasury,
      BigInteger minStake,
      int slashBps,
      int feeBps,
      BigInteger royaltyBps) {
    this.model = model;
    this.author = author;
    this.treasury = treasury;
    this.minStake = minStake;
    this.slashBps = slashBps;
    this.feeBps = feeBps;
    this.royaltyBps = royaltyBps;
  }

  BigInteger depositOf(Address a) {
    return deposit.getOrDefault(a, BigInteger.ZERO);
  }

  BigInteger earningsOf(Address a) {
    return earnings.getOrDefault(a, BigInteger.ZERO);
  }

  List<Req> requests(Predicate<Req> filter) {
    return requests.values().stream().filter(filter).toList();
  }

  /** Every token the coordinator must hold: deposits, open reserves, earnings, unswept shares. */
  BigInteger holdings() {
    BigInteger sum = royaltyShare.add(feeShare);
    for (BigInteger d : deposit.values()) {
      sum = sum.add(d);
    }
    for (BigInteger e : earnings.values()) {
      sum = sum.add(e);
    }
    for (Req r : requests(Req::open)) {
      sum = sum.add(r.reserve());
    }
    return sum;
  }

  // ---------------------------------------------------------------------------- assignment

  /** Eligible providers (staked at least the minimum) priced within {@code maxFee}, not skip. */
  List<Address> candidates(BigInteger maxFee, Address skip) {
    return price.keySet().stream()
        .filter(p -> !p.equals(skip))
        .filter(p -> price.get(p).compareTo(maxFee) <= 0)
        .filter(p -> stake.get(p).compareTo(minStake) >= 0)
        .toList();
  }

  /**
   * A (re)assignment among {@code candidates} with {@code available} tokens: which provider is
   * picked is pseudo-random, so a deposit between the cheapest and the dearest price may go either
   * way.
   */
  Expect assignment(List<Address> candidates, BigInteger available) {
    if (candidates.isEmpty()) {
      return Expect.refused("NoProviderAtFee");
    }
    BigInteger cheapest = candidates.stream().map(price::get).min(Comparator.naturalOrder()).get();
    BigInteger dearest = candidates.stream().map(price::get).max(Comparator.naturalOrder()).get();
    if (available.compareTo(cheapest) < 0) {
      return Expect.refused("InsufficientDeposit");
    }
    return available.compareTo(dearest) >= 0 ? Expect.OK : new Expect("InsufficientDeposit", true);
  }

  /** Checks the ticket a (re)assignment produced and moves the reserve to the new price. */
  void assigned(Req r, Ticket t, List<Address> candidates) {
    BigInteger held = r.history.isEmpty() ? BigInteger.ZERO : r.reserve();
    int assignments = r.history.isEmpty() ? 1 : r.ticket().assignments() + 1;
    assertThat(t.provider()).as("assigned provider of %d", r.id).isIn(candidates);
    BigInteger fee = price.get(t.provider());
    BigInteger protocolFee = fee.multiply(BigInteger.valueOf(feeBps)).divide(BPS);
    BigInteger royalty = fee.subtract(protocolFee).multiply(royaltyBps).divide(BPS);
    assertThat(List.of(t.fee().baseUnits(), t.protocolFee().baseUnits(), t.royalty().baseUnits()))
        .as("fee, protocol fee, royalty of request %d", r.id)
        .containsExactly(fee, protocolFee, royalty);
    assertThat(t.requester()).isEqualTo(r.requester);
    assertThat(t.model()).isEqualTo(model);
    assertThat(t.mode()).isEqualTo(r.mode);
    assertThat(t.maxFee().baseUnits()).isEqualTo(r.maxFee);
    assertThat(t.callbackGasLimit()).isEqualTo(r.callbackGas);
    assertThat(t.assignments()).isEqualTo(assignments);
    assertThat(t.inputHash()).isEqualTo(Bytes32.keccak256(r.input));
    assertThat(t.outputHash()).isEqualTo(Bytes32.ZERO);
    BigInteger available = depositOf(r.requester).add(held);
    assertThat(fee).as("reserve ≤ available deposit").isLessThanOrEqualTo(available);
    deposit.put(r.requester, available.subtract(fee));
    r.history.add(t);
    requests.put(r.id, r);
  }

  /** A proposal changes only the output hash and the deadline (its challenge window's end). */
  Ticket proposal(Ticket t, Ticket proposed, byte[] output) {
    return new Ticket(
        t.requester(),
        t.model(),
        t.callbackGasLimit(),
        t.mode(),
        t.assignments(),
        t.provider(),
        t.fee(),
        t.maxFee(),
        t.royalty(),
        t.protocolFee(),
        proposed.deadline(),
        t.inputHash(),
        Bytes32.keccak256(output));
  }

  // ------------------------------------------------------------------------ refusal rules

  Expect fulfil(Req r, Address sender, boolean past) {
    if (!sender.equals(r.ticket().provider())) {
      return Expect.refused("NotAssignedProvider");
    }
    if (r.proposed()) {
      return Expect.refused("AlreadyAnswered");
    }
    return past ? Expect.refused("RequestExpired") : Expect.OK;
  }

  Expect challenge(Req r, boolean past) {
    if (!r.proposed()) {
      return Expect.refused("NotProposed");
    }
    if (past) {
      return Expect.refused("ChallengeWindowClosed");
    }
    return r.disputeId != 0 ? Expect.refused("AlreadyChallenged") : Expect.OK;
  }

  Expect settle(Req r, boolean past) {
    if (!r.proposed()) {
      return Expect.refused("NotProposed");
    }
    if (r.disputeId == 0) {
      return past ? Expect.OK : Expect.refused("ChallengeWindowOpen");
    }
    return r.verdict == Verdict.PENDING ? Expect.refused("DisputeUnresolved") : Expect.OK;
  }

  Expect reassign(Req r, boolean past, List<Address> candidates) {
    if (r.proposed()) {
      return Expect.refused("AlreadyAnswered");
    }
    if (!past) {
      return Expect.refused("NotExpired");
    }
    if (r.ticket().assignments() >= MAX_ASSIGNMENTS) {
      return Expect.refused("TooManyAssignments");
    }
    return assignment(candidates, depositOf(r.requester).add(r.reserve()));
  }

  Expect cancel(Req r, Address sender, boolean past) {
    if (r.proposed()) {
      return Expect.refused("AlreadyAnswered");
    }
    if (!sender.equals(r.requester)) {
      return Expect.refused("NotRequester");
    }
    return past ? Expect.OK : Expect.refused("NotExpired");
  }

  // ---------------------------------------------------------------------------- money moves

  /** Delivered: the provider's share to its earnings, royalty and protocol fee to the shares. */
  void pay(Req r) {
    Ticket t = r.ticket();
    BigInteger royalty = t.royalty().baseUnits();
    BigInteger protocolFee = t.protocolFee().baseUnits();
    earnings.merge(
        t.provider(), r.reserve().subtract(royalty).subtract(protocolFee), BigInteger::add);
    royaltyShare = royaltyShare.add(royalty);
    feeShare = feeShare.add(protocolFee);
    answers++;
    r.end = End.FULFILLED;
  }

  /** Rejected or cancelled: the whole reserve back to the requester's deposit. */
  void refund(Req r, End end) {
    deposit.merge(r.requester, r.reserve(), BigInteger::add);
    r.end = end;
  }

  void sweep() {
    earnings.merge(author, royaltyShare, BigInteger::add);
    earnings.merge(treasury, feeShare, BigInteger::add);
    royaltyShare = BigInteger.ZERO;
    feeShare = BigInteger.ZERO;
  }

  /** A guilty verdict: slashBps of the accused's stake (nothing else moves a stake). */
  void slash(Address provider) {
    BigInteger s = stake.get(provider);
    stake.put(provider, s.subtract(s.multiply(BigInteger.valueOf(slashBps)).divide(BPS)));
  }
}
