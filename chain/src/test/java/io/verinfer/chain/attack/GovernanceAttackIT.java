package io.verinfer.chain.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.ContractRevertException;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.bindings.ProviderRegistry;
import io.verinfer.chain.gov.GovAction;
import io.verinfer.chain.gov.GovCalls;
import io.verinfer.chain.gov.GovParam;
import io.verinfer.chain.gov.Governance;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.ChainAudit;
import io.verinfer.chain.testing.DevnetScene;
import io.verinfer.chain.testing.Enact;
import io.verinfer.chain.testing.Reverts;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.tx.gas.DefaultGasProvider;
import org.web3j.utils.Numeric;

/**
 * Exploits a naive token governance loses to, and what stops each one here: votes bought (or
 * borrowed) after a proposal's snapshot, the same tokens voting twice, a captured vote shortening
 * the notice everyone relies on, and a captured vote handing the slasher role to a thief.
 */
class GovernanceAttackIT extends DevnetScene {
  /** Account 1 holds nothing at devnet start: the attacker's fresh account. */
  private static final int FRESH = 1;

  private static final int ATTACKER = Enact.VOTERS[0];

  private static GovAction slashAll(GovCalls calls) {
    return calls.set(GovParam.SLASH_BPS, BigInteger.valueOf(5_000));
  }

  @Test
  void tokensAcquiredAfterTheSnapshotVoteWithZeroWeight() {
    Governance attacker = Enact.governance(ATTACKER);
    Governance.Proposal p = Enact.propose(List.of(slashAll(attacker.calls())), ATTACKER);
    Enact.openVoting(p);
    // past the snapshot: borrow ten million VRF (here from the faucet; a flash loan is the same)
    TokenAmount loan = TokenAmount.ofTokens("10000000");
    Address fresh = Actors.address(FRESH);
    actors.admin().token().transfer(fresh, loan);
    Governance borrower = Enact.governance(FRESH);
    borrower.delegate(fresh);
    SharedDevnet.mine();
    TokenAmount liveVotes = borrower.votes(fresh);

    attacker.vote(p.id(), Governance.Support.FOR, "");
    TokenAmount afterOwn = attacker.status(p.id()).forVotes();
    borrower.vote(p.id(), Governance.Support.FOR, "borrowed");
    TokenAmount afterLoan = attacker.status(p.id()).forVotes();
    actors.account(FRESH).token().transfer(actors.admin().account(), loan); // repaid
    Enact.closeVoting(p);
    Governance.Status status = attacker.status(p.id());

    System.out.printf(
        "GovernanceAttackIT late-buy: borrowed %s VRF after the snapshot (live votes %s); counted"
            + " %s; for %s, quorum %s -> %s (a governance reading live votes: %s for, passed)%n",
        loan.toTokens(),
        liveVotes.toTokens(),
        afterLoan.minus(afterOwn).toTokens(),
        status.forVotes().toTokens(),
        status.quorum().toTokens(),
        status.state(),
        afterOwn.plus(liveVotes).toTokens());
    assertThat(liveVotes).isEqualTo(loan);
    assertThat(liveVotes.compareTo(status.quorum()))
        .as("the loan alone would pass quorum")
        .isPositive();
    assertThat(afterLoan).as("weight of votes acquired after the snapshot").isEqualTo(afterOwn);
    assertThat(status.state()).isEqualTo(Governance.State.DEFEATED);
  }

  @Test
  void tokensMovedAfterVotingDoNotVoteAgain() {
    int voter = Enact.VOTERS[1];
    Governance first = Enact.governance(voter);
    Governance.Proposal p = Enact.propose(List.of(slashAll(first.calls())), ATTACKER);
    Enact.openVoting(p);
    Address voterAddress = Actors.address(voter);
    TokenAmount balance = actors.account(voter).token().balanceOf(voterAddress);
    first.vote(p.id(), Governance.Support.FOR, "");
    TokenAmount once = first.status(p.id()).forVotes();

    Address fresh = Actors.address(FRESH);
    actors.account(voter).token().transfer(fresh, balance);
    Governance second = Enact.governance(FRESH);
    second.delegate(fresh);
    second.vote(p.id(), Governance.Support.FOR, "the same tokens again");
    TokenAmount twice = first.status(p.id()).forVotes();
    Reverts.assertReverts(
        () -> first.vote(p.id(), Governance.Support.FOR, ""), "GovernorAlreadyCastVote");

    System.out.printf(
        "GovernanceAttackIT double vote: %s VRF voted, moved to a fresh account, voted again:"
            + " for = %s after the first vote, %s after the second (naive: %s)%n",
        balance.toTokens(), once.toTokens(), twice.toTokens(), once.plus(balance).toTokens());
    assertThat(once).isEqualTo(balance);
    assertThat(twice).as("for votes after the same tokens voted twice").isEqualTo(once);
    assertThat(second.votes(fresh)).as("the fresh account's live votes").isEqualTo(balance);
  }

  @Test
  void aCapturedVoteCannotShortenItsOwnNotice() {
    Governance g = Enact.governance(ATTACKER);
    GovCalls calls = g.calls();
    ChainAudit chain = new ChainAudit(SharedDevnet.web3j(), SharedDevnet.get().deployment());
    Address governor = g.governorAddress();
    BigInteger delayFloor = chain.uint(g.timelockAddress(), "minDelayFloor");
    BigInteger periodFloor = chain.uint(governor, "minVotingPeriod");
    BigInteger maxThreshold =
        actors
            .admin()
            .token()
            .totalSupply()
            .baseUnits()
            .multiply(chain.uint(governor, "MAX_THRESHOLD_BPS"))
            .divide(BigInteger.valueOf(10_000));
    Map<String, GovAction> attempts = new LinkedHashMap<>();
    attempts.put(
        "timelockDelay = floor - 1 s",
        calls.set(GovParam.TIMELOCK_DELAY, delayFloor.subtract(BigInteger.ONE)));
    attempts.put("timelockDelay = 0", calls.set(GovParam.TIMELOCK_DELAY, BigInteger.ZERO));
    attempts.put(
        "votingPeriod = floor - 1 block",
        calls.set(GovParam.VOTING_PERIOD, periodFloor.subtract(BigInteger.ONE)));
    attempts.put("votingPeriod = 0", calls.set(GovParam.VOTING_PERIOD, BigInteger.ZERO));
    attempts.put("quorumBps = 0", calls.set(GovParam.QUORUM_BPS, BigInteger.ZERO));
    attempts.put("quorumBps = 10000", calls.set(GovParam.QUORUM_BPS, BigInteger.valueOf(10_000)));
    attempts.put(
        "proposalThreshold = 1% + 1 wei",
        calls.set(GovParam.PROPOSAL_THRESHOLD, maxThreshold.add(BigInteger.ONE)));
    attempts.put(
        "updateTimelock(attacker's EOA)",
        new GovAction(
            governor,
            BigInteger.ZERO,
            Numeric.hexStringToByteArray(
                FunctionEncoder.encode(
                    new Function(
                        "updateTimelock",
                        List.of(
                            new org.web3j.abi.datatypes.Address(Actors.address(ATTACKER).value())),
                        List.of()))),
            "move execution to the attacker's own account"));
    Map<String, String> expected =
        Map.of(
            "timelockDelay = floor - 1 s", "DelayOutOfRange",
            "timelockDelay = 0", "DelayOutOfRange",
            "votingPeriod = floor - 1 block", "SettingOutOfRange",
            "votingPeriod = 0", "SettingOutOfRange",
            "quorumBps = 0", "SettingOutOfRange",
            "quorumBps = 10000", "SettingOutOfRange",
            "proposalThreshold = 1% + 1 wei", "SettingOutOfRange",
            "updateTimelock(attacker's EOA)", "TimelockIsFixed");

    Map<String, BigInteger> before = governance();
    Map<String, String> outcomes = new LinkedHashMap<>();
    for (var e : attempts.entrySet()) {
      // the whole electorate of demo holders votes for it: the vote is captured
      outcomes.put(e.getKey(), outcome(() -> Enact.actions(List.of(e.getValue()))));
    }
    Map<String, BigInteger> after = governance();
    StringBuilder out = new StringBuilder("GovernanceAttackIT capture (each passed the vote):\n");
    outcomes.forEach((k, v) -> out.append(String.format("  %-34s -> %s%n", k, v)));
    out.append(String.format("  settings before %s%n  settings after  %s%n", before, after));
    System.out.print(out);
    assertThat(outcomes).containsExactlyInAnyOrderEntriesOf(expected);
    assertThat(after).as("governance settings after the captured proposals").isEqualTo(before);
  }

  private static Map<String, BigInteger> governance() {
    Map<String, BigInteger> s = new TreeMap<>();
    for (GovParam p : GovParam.values()) {
      if (p.holder != GovParam.Holder.PARAMS) s.put(p.key, Enact.current(p));
    }
    ChainAudit chain = new ChainAudit(SharedDevnet.web3j(), SharedDevnet.get().deployment());
    Address timelock =
        chain.addressGetter(Enact.governance(ATTACKER).governorAddress(), "timelock").orElseThrow();
    s.put("timelock", new BigInteger(timelock.value().substring(2), 16));
    return s;
  }

  @Test
  void aSlasherGrantedByAVoteWaitsUntilEveryProviderCouldLeave() throws Exception {
    VerinferChain provider = actors.provider(0);
    Address providerAddress = provider.account();
    TokenAmount stake = TokenAmount.ofTokens("100000");
    provider.token().approve(provider.providers().address(), stake);
    provider.providers().stake(stake);

    VerinferChain thief = actors.account(Actors.SLASHER);
    Address thiefAddress = thief.account();
    GovCalls calls = Enact.governance(ATTACKER).calls();
    GovAction grant =
        calls.grantRole(
            provider.providers().address(),
            Numeric.hexStringToByteArray(ChainAudit.role("SLASHER_ROLE")),
            thiefAddress);
    Governance.Proposal p = Enact.propose(List.of(grant), ATTACKER);
    long proposedAt = SharedDevnet.latestTimestamp();
    // the provider reads the proposal and leaves at once
    provider.providers().requestUnbond(stake);
    long readyAt = provider.providers().provider(providerAddress).unbondReadyAt().getEpochSecond();

    Enact.passVote(p, Enact.VOTERS);
    Enact.queueAndExecute(p);
    long executedAt = SharedDevnet.latestTimestamp();
    TokenAmount slashableAtGrant = provider.providers().provider(providerAddress).slashable();
    ProviderRegistry registry =
        ProviderRegistry.load(
            provider.providers().address().value(),
            SharedDevnet.web3j(),
            thief.sender(),
            new DefaultGasProvider());
    assertThat(
            registry
                .hasRole(
                    Numeric.hexStringToByteArray(ChainAudit.role("SLASHER_ROLE")),
                    thiefAddress.value())
                .send())
        .as("the captured vote did grant the role")
        .isTrue();
    long activeAt = registry.slasherActiveAt(thiefAddress.value()).send().longValueExact();

    TokenAmount thiefBefore = thief.token().balanceOf(thiefAddress);
    Reverts.assertReverts(
        () -> thief.providers().slash(providerAddress, stake, thiefAddress), "SlasherNotActive");
    SharedDevnet.increaseTime(Math.max(0, readyAt - SharedDevnet.latestTimestamp()) + 1);
    Reverts.assertReverts(
        () -> thief.providers().slash(providerAddress, stake, thiefAddress), "SlasherNotActive");
    TokenAmount providerBefore = provider.token().balanceOf(providerAddress);
    provider.providers().withdrawUnbonded();
    TokenAmount escaped = provider.token().balanceOf(providerAddress).minus(providerBefore);

    SharedDevnet.increaseTime(Math.max(0, activeAt - SharedDevnet.latestTimestamp()) + 1);
    String late = outcome(() -> thief.providers().slash(providerAddress, stake, thiefAddress));
    TokenAmount slashed = thief.token().balanceOf(thiefAddress).minus(thiefBefore);

    System.out.printf(
        "GovernanceAttackIT slasher grant: stake %s VRF; unbond requested at proposal (ready %d s"
            + " later); grant executed %d s after the proposal, slasher active %d s after that"
            + " (%d s after the provider could leave); slashable at the grant %s VRF (what an"
            + " instant grant would take); escaped %s VRF; slashed %s VRF (late slash: %s)%n",
        stake.toTokens(),
        readyAt - proposedAt,
        executedAt - proposedAt,
        activeAt - executedAt,
        activeAt - readyAt,
        slashableAtGrant.toTokens(),
        escaped.toTokens(),
        slashed.toTokens(),
        late);
    assertThat(slashableAtGrant).isEqualTo(stake);
    assertThat(activeAt)
        .as("the slasher acts only after the provider could leave")
        .isGreaterThan(readyAt);
    assertThat(escaped).as("stake the provider withdrew").isEqualTo(stake);
    assertThat(slashed).as("what the thief slashed").isEqualTo(TokenAmount.ZERO);
    assertThat(late).isEqualTo("NothingToSlash");
  }

  /**
   * The registry lets its deployer's grants act at once, for the deployment itself. Once the
   * deployer renounced, a captured vote must not be able to reopen that door by handing the admin
   * role back to the deployer's address (a key that may well have leaked since: it "holds
   * nothing"): its grants must wait like anyone's.
   */
  @Test
  void theFormerDeployerRegainingTheAdminRoleStillGrantsSlowly() throws Exception {
    VerinferChain provider = actors.provider(0);
    Address providerAddress = provider.account();
    TokenAmount stake = TokenAmount.ofTokens("100000");
    provider.token().approve(provider.providers().address(), stake);
    provider.providers().stake(stake);
    VerinferChain thief = actors.account(Actors.SLASHER);
    Address thiefAddress = thief.account();
    VerinferChain deployer = actors.admin();
    Address registryAddress = provider.providers().address();
    GovCalls calls = Enact.governance(ATTACKER).calls();
    Enact.actions(List.of(calls.grantRole(registryAddress, new byte[32], deployer.account())));

    byte[] slasherRole = Numeric.hexStringToByteArray(ChainAudit.role("SLASHER_ROLE"));
    ProviderRegistry registry =
        ProviderRegistry.load(
            registryAddress.value(),
            SharedDevnet.web3j(),
            deployer.sender(),
            new DefaultGasProvider());
    deployer
        .sender()
        .send(
            registryAddress.value(),
            registry.grantRole(slasherRole, thiefAddress.value()).encodeFunctionCall());
    long grantedAt = SharedDevnet.latestTimestamp();
    long activeAt = registry.slasherActiveAt(thiefAddress.value()).send().longValueExact();
    long longest =
        new ChainAudit(SharedDevnet.web3j(), SharedDevnet.get().deployment())
            .uint(actors.admin().params().address(), "longestUnbondingDelay")
            .longValueExact();
    TokenAmount thiefBefore = thief.token().balanceOf(thiefAddress);
    String slash = outcome(() -> thief.providers().slash(providerAddress, stake, thiefAddress));
    TokenAmount slashed = thief.token().balanceOf(thiefAddress).minus(thiefBefore);

    System.out.printf(
        "GovernanceAttackIT deployer re-admin: the deployer's grant after a vote gave it the admin"
            + " role back: slasher active %d s after the grant (longest unbonding delay %d s); immediate"
            + " slash -> %s, took %s VRF of %s%n",
        activeAt - grantedAt, longest, slash, slashed.toTokens(), stake.toTokens());
    assertThat(activeAt - grantedAt)
        .as("wait of a slasher granted by the former deployer after it renounced")
        .isGreaterThanOrEqualTo(longest);
    assertThat(slash).isEqualTo("SlasherNotActive");
    assertThat(slashed).isEqualTo(TokenAmount.ZERO);
  }

  private static String outcome(Supplier<?> call) {
    try {
      call.get();
      return "accepted";
    } catch (ContractRevertException e) {
      return e.errorName();
    }
  }
}
