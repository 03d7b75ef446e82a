package io.verinfer.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.CoordinatorModel.Expect;
import io.verinfer.chain.CoordinatorModel.Req;
import io.verinfer.chain.bindings.FraudScoreConsumer;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.facade.DisputeManagerFacade;
import io.verinfer.chain.facade.DisputeManagerFacade.Verdict;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.Court;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.CanonicalTensors;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * The plumbing every step of {@link CoordinatorInvariantsIT} shares — one chain view per account, a
 * call run as the model predicts, the clock read off a deadline's boundary — and the steps around
 * the requests: a committee's vote, sweeping shares, claims, deposits, withdrawals and changes of
 * the fee or royalty. One per try (fresh nonces after the chain is reverted).
 */
final class CoordinatorSteps {
  /** A deadline this close to the clock is first passed, so the expected outcome is certain. */
  private static final long BOUNDARY_SECONDS = 15;

  static final int EOA_0 = Actors.CONSUMER_0 + 1; // consumer 0 is the challenger
  static final int FUNDER = Actors.CONSUMER_0 + 3; // pays the contract's deposit
  private static final long[] PRICES = {10, 25, 40, 100, 250}; // provider i's price
  private static final long EOA_DEPOSIT = 300;
  private static final long CONSUMER_DEPOSIT = 200;
  static final long CONSUMER_MAX_FEE = 60;

  /**
   * What every try starts from: the Court's model served by five providers at {@code PRICES}, two
   * EOA requesters and a {@code FraudScoreConsumer} with deposits.
   */
  record Scene(
      Court court,
      FraudScoreConsumer consumer,
      Address consumerAddress,
      long consumerCallbackGas,
      Bytes32 schemaHash,
      long tolerancePpm) {
    static Scene deploy(Actors setup) throws Exception {
      Court court = new Court(setup, "coordinator-invariants");
      for (int i = 1; i < Court.PROVIDERS; i++) {
        court.provider(i).providers().setModel(court.model(), TokenAmount.of(PRICES[i]));
      }
      Address coordinator = setup.admin().coordinator().address();
      TokenAmount all = TokenAmount.of(BigInteger.TWO.pow(200));
      for (int i = 0; i < 2; i++) {
        var eoa = setup.account(EOA_0 + i);
        eoa.token().approve(coordinator, all);
        eoa.coordinator().depositFor(eoa.account(), TokenAmount.of(EOA_DEPOSIT));
      }
      var funder = setup.account(FUNDER);
      funder.token().approve(coordinator, all);
      var consumer =
          FraudScoreConsumer.deploy(
                  funder.web3j(),
                  funder.sender(),
                  new DefaultGasProvider(),
                  coordinator.value(),
                  BigInteger.valueOf(court.model().value()),
                  BigInteger.valueOf(CONSUMER_MAX_FEE))
              .send();
      Address consumerAddress = Address.of(consumer.getContractAddress());
      funder.coordinator().depositFor(consumerAddress, TokenAmount.of(CONSUMER_DEPOSIT));
      var published = setup.admin().models().model(court.model());
      return new Scene(
          court,
          consumer,
          consumerAddress,
          consumer.CALLBACK_GAS().send().longValueExact(),
          published.schemaHash(),
          published.tolerancePpm());
    }

    /** The model of the scene: nothing earned or requested yet. */
    CoordinatorModel model(VerinferChain admin) {
      CoordinatorModel m =
          new CoordinatorModel(
              court.model(),
              Actors.address(Actors.AUTHOR_0),
              admin.params().treasury(),
              admin.params().minProviderStake().baseUnits(),
              admin.params().disputeParams().slashBps(),
              admin.params().protocolFeeBps(),
              BigInteger.valueOf(1_000)); // the Court publishes its model with a royalty of 10 %
      for (int i = 0; i < Court.PROVIDERS; i++) {
        m.price.put(Court.providerAddress(i), BigInteger.valueOf(PRICES[i]));
        m.stake.put(Court.providerAddress(i), Court.STAKE.baseUnits());
      }
      for (int i = 0; i < 2; i++) {
        m.deposit.put(Actors.address(EOA_0 + i), BigInteger.valueOf(EOA_DEPOSIT));
      }
      m.deposit.put(consumerAddress, BigInteger.valueOf(CONSUMER_DEPOSIT));
      for (Address payee : payees()) {
        m.earnings.put(payee, BigInteger.ZERO);
      }
      return m;
    }
  }

  private final Actors actors;
  private final CoordinatorModel model;
  private final Scene scene;
  private final Address consumer;
  private final Map<String, Integer> outcomes;
  private final Map<Integer, VerinferChain> views = new HashMap<>();

  CoordinatorSteps(
      Actors actors, CoordinatorModel model, Scene scene, Map<String, Integer> outcomes) {
    this.actors = actors;
    this.model = model;
    this.scene = scene;
    this.consumer = scene.consumerAddress();
    this.outcomes = outcomes;
  }

  void count(String outcome) {
    outcomes.merge(outcome, 1, Integer::sum);
  }

  /**
   * Runs {@code action} as {@code expect} predicts: mined, or refused with the named error (a
   * pseudo-random assignment may go either way); returns the result when it was mined.
   */
  <T> Optional<T> attempt(Expect expect, Supplier<T> action) {
    if (expect.error() == null) {
      return Optional.of(action.get());
    }
    try {
      T result = action.get();
      assertThat(expect.maySucceed()).as("mined, but the rules say %s", expect.error()).isTrue();
      return Optional.of(result);
    } catch (ContractRevertException e) {
      assertThat(e.errorName()).as("refusal").isEqualTo(expect.error());
      count("refused:" + e.errorName());
      return Optional.empty();
    }
  }

  /**
   * Whether the next transaction comes after {@code deadline}. A deadline within {@link
   * #BOUNDARY_SECONDS} of the clock is passed first: which block a call lands in is not ours to
   * predict to the second.
   */
  static boolean past(Instant deadline) {
    long d = deadline.getEpochSecond();
    long now = SharedDevnet.latestTimestamp();
    while (now < d && d - now <= BOUNDARY_SECONDS) {
      SharedDevnet.increaseTime(d - now + 1);
      now = SharedDevnet.latestTimestamp();
    }
    return now >= d;
  }

  VerinferChain view(int index) {
    return views.computeIfAbsent(index, actors::account);
  }

  VerinferChain view(Address address) {
    for (int i = 0; i < DevAccounts.COUNT; i++) {
      if (Actors.address(i).equals(address)) {
        return view(i);
      }
    }
    throw new IllegalArgumentException(address + " is not a dev account");
  }

  static byte[] score(float value) {
    return CanonicalTensors.encode(
        List.of(Tensor.ofFloats("probabilities", new long[] {1, 1}, new float[] {value})));
  }

  /** Everyone the coordinator can owe earnings: the providers, the model's author, treasury. */
  static List<Address> payees() {
    List<Address> out = new ArrayList<>();
    for (int i = 0; i < Court.PROVIDERS; i++) {
      out.add(Court.providerAddress(i));
    }
    out.add(Actors.address(Actors.AUTHOR_0));
    out.add(Actors.treasuryAddress());
    return out;
  }

  /** The dispute's committee votes all guilty or all innocent; a guilty provider is slashed. */
  void vote(Req r, boolean guilty) {
    long id = r.disputeId;
    int vote = guilty ? 1 : 0;
    DisputeManagerFacade disputes = view(Actors.CONSUMER_0).disputes();
    List<Address> committee = List.of();
    for (int draw = 0; draw < 2 && committee.isEmpty(); draw++) {
      SharedDevnet.mine(); // the anchor block (drawn again if more than 256 blocks went by)
      disputes.drawCommittee(id);
      committee = disputes.dispute(id).committee();
    }
    assertThat(committee).isNotEmpty().doesNotContain(r.ticket().provider());
    for (Address m : committee) {
      Bytes32 commitment = DisputeManagerFacade.commitment(id, m, vote, Court.salt(id, m));
      view(m).disputes().commitVote(id, commitment);
    }
    for (Address m : committee) {
      view(m).disputes().revealVote(id, vote, Court.salt(id, m));
    }
    disputes.resolve(id);
    r.verdict = disputes.dispute(id).verdicts().getFirst();
    assertThat(r.verdict).isEqualTo(guilty ? Verdict.GUILTY : Verdict.CLEARED);
    if (guilty) {
      model.slash(r.ticket().provider());
    }
    count("verdict:" + r.verdict);
  }

  void sweep() {
    view(Actors.OUTSIDER).coordinator().sweepShares(model.model);
    model.sweep();
    count("swept");
  }

  /**
   * A payee claims: one the model owes when {@code owedOnly} (and someone is owed), else anyone.
   */
  void claim(int a, boolean owedOnly) {
    List<Address> payees = payees();
    List<Address> owedSome = payees.stream().filter(p -> model.earningsOf(p).signum() > 0).toList();
    if (owedOnly && !owedSome.isEmpty()) {
      payees = owedSome;
    }
    Address payee = payees.get(a % payees.size());
    BigInteger owed = model.earningsOf(payee);
    if (payee.equals(Actors.treasuryAddress())) {
      collectForTreasury(payee, owed);
      return;
    }
    var account = view(payee);
    TokenAmount before = account.token().balanceOf(payee);
    Expect expect = owed.signum() == 0 ? Expect.refused("NothingToClaim") : Expect.OK;
    if (attempt(expect, () -> account.coordinator().claimEarnings()).isPresent()) {
      assertThat(account.token().balanceOf(payee).baseUnits().subtract(before.baseUnits()))
          .as("claimed by %s", payee)
          .isEqualTo(owed);
      model.earnings.put(payee, BigInteger.ZERO);
      count("claimed");
    }
  }

  /** The treasury is a contract: anyone moves its coordinator earnings into it. */
  private void collectForTreasury(Address treasury, BigInteger owed) {
    var collector = view(Actors.OUTSIDER);
    Address source = collector.coordinator().address();
    TokenAmount before = collector.token().balanceOf(treasury);
    Expect expect = owed.signum() == 0 ? Expect.refused("NothingToClaim") : Expect.OK;
    if (attempt(expect, () -> collector.treasury().collectEarnings(source)).isPresent()) {
      assertThat(collector.token().balanceOf(treasury).baseUnits().subtract(before.baseUnits()))
          .as("collected for the treasury")
          .isEqualTo(owed);
      model.earnings.put(treasury, BigInteger.ZERO);
      count("claimed");
    }
  }

  void deposit(int who, long amount) {
    Address requester = who < 2 ? Actors.address(EOA_0 + who) : consumer;
    var payer = view(who < 2 ? EOA_0 + who : FUNDER).coordinator();
    Expect expect = amount == 0 ? Expect.refused("ZeroAmount") : Expect.OK;
    if (attempt(expect, () -> payer.depositFor(requester, TokenAmount.of(amount))).isPresent()) {
      model.deposit.merge(requester, BigInteger.valueOf(amount), BigInteger::add);
    }
  }

  void withdraw(int eoa, int b) {
    var requester = view(EOA_0 + eoa);
    BigInteger held = model.depositOf(requester.account());
    BigInteger amount =
        switch (b % 4) {
          case 0 -> BigInteger.ZERO;
          case 1 -> held.add(BigInteger.ONE);
          case 2 -> held;
          default -> held.min(BigInteger.valueOf(b));
        };
    Expect expect =
        amount.signum() == 0
            ? Expect.refused("ZeroAmount")
            : amount.compareTo(held) > 0 ? Expect.refused("InsufficientDeposit") : Expect.OK;
    TokenAmount before = requester.token().balanceOf(requester.account());
    var coordinator = requester.coordinator();
    if (attempt(expect, () -> coordinator.withdraw(TokenAmount.of(amount))).isPresent()) {
      assertThat(requester.token().balanceOf(requester.account()).minus(before).baseUnits())
          .isEqualTo(amount);
      model.deposit.put(requester.account(), held.subtract(amount));
      count("withdrawn");
    }
  }

  /** Governance changes the protocol fee, or the author the royalty: only later tickets see it. */
  void changeTerms(boolean fee, int b) {
    if (fee) {
      // a proposal takes a dozen blocks and the timelock's delay: a dispute waiting for its draw
      // would lapse meanwhile, which this model does not follow, so the change waits for it
      if (!model.requests(r -> r.disputeId != 0 && r.verdict == Verdict.PENDING).isEmpty()) {
        count("fee-change-deferred");
        return;
      }
      io.verinfer.chain.testing.Enact.set("protocolFeeBps=" + (b % 2_001));
      model.feeBps = b % 2_001;
    } else {
      int royalty = b % 5_001; // 0 to MAX_ROYALTY_BPS
      view(Actors.AUTHOR_0)
          .models()
          .update(model.model, scene.schemaHash(), royalty, scene.tolerancePpm());
      // the new royalty takes effect after the notice: let it pass (open requests may expire)
      SharedDevnet.increaseTime(actors.admin().params().termsNotice().toSeconds() + 1);
      model.royaltyBps = BigInteger.valueOf(royalty);
    }
    count("terms-changed");
  }
}
