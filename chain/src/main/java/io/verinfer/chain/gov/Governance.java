package io.verinfer.chain.gov;

import io.verinfer.chain.Deployment;
import io.verinfer.chain.bindings.VerinferGovernor;
import io.verinfer.chain.bindings.VerinferTimelock;
import io.verinfer.chain.bindings.VerinferToken;
import io.verinfer.chain.tx.ChainException;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Hash;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * One account's view of Verinfer governance: the Governor (propose, vote, queue, execute, state),
 * the token's delegation, the timelock's delay and the governed parameters' current values. Every
 * proposal is read back from its {@code ProposalCreated} event, so what is queued and executed is
 * exactly what was voted on.
 */
public final class Governance {
  /** How a vote counts ({@code GovernorCountingSimple}: 0 against, 1 for, 2 abstain). */
  public enum Support {
    AGAINST,
    FOR,
    ABSTAIN
  }

  /** The Governor's proposal states ({@code IGovernor.ProposalState}, in order). */
  public enum State {
    PENDING,
    ACTIVE,
    CANCELED,
    DEFEATED,
    SUCCEEDED,
    QUEUED,
    EXPIRED,
    EXECUTED
  }

  /** A proposal as it was made. */
  public record Proposal(
      BigInteger id,
      Address proposer,
      List<GovAction> actions,
      String description,
      long voteStart,
      long voteEnd,
      long block) {
    public byte[] descriptionHash() {
      return Hash.sha3(description.getBytes(StandardCharsets.UTF_8));
    }

    /** The decimal id, as Tally and the CLI show it. */
    public String idText() {
      return id.toString();
    }
  }

  /** Where a proposal stands. {@code eta} is 0 until queued (seconds since the epoch). */
  public record Status(
      State state,
      TokenAmount forVotes,
      TokenAmount againstVotes,
      TokenAmount abstainVotes,
      TokenAmount quorum,
      long snapshot,
      long deadline,
      long eta,
      long clock) {
    /** Quorum counts for + abstain votes. */
    public boolean quorumReached() {
      return forVotes.plus(abstainVotes).compareTo(quorum) >= 0;
    }
  }

  private static final long LOG_CHUNK = 50_000;
  private static final long MAX_LOG_QUERIES = 10_000;

  private final TransactionSender sender;
  private final Deployment deployment;
  private final Address governorAddress;
  private final VerinferGovernor governor;
  private final VerinferTimelock timelock;
  private final VerinferToken token;
  private final GovCalls calls;

  public Governance(TransactionSender sender, Deployment deployment) {
    this.sender = sender;
    this.deployment = deployment;
    this.governorAddress = Address.of(deployment.address("VerinferGovernor"));
    var gas = new DefaultGasProvider();
    this.governor = VerinferGovernor.load(governorAddress.value(), sender.web3j(), sender, gas);
    this.timelock =
        VerinferTimelock.load(deployment.address("VerinferTimelock"), sender.web3j(), sender, gas);
    this.token =
        VerinferToken.load(deployment.address("VerinferToken"), sender.web3j(), sender, gas);
    this.calls = new GovCalls(deployment);
  }

  public GovCalls calls() {
    return calls;
  }

  public Address governorAddress() {
    return governorAddress;
  }

  public Address timelockAddress() {
    return Address.of(timelock.getContractAddress());
  }

  // ------------------------------------------------------------------------ parameters

  /** The current value of a governed parameter (exact, as the contract holds it). */
  public BigInteger current(GovParam param) {
    String target = deployment.address(param.holder.contract);
    var function =
        new org.web3j.abi.datatypes.Function(
            param.getter(),
            List.of(),
            List.of(
                param.kind == GovParam.Kind.ADDRESS
                    ? new TypeReference<org.web3j.abi.datatypes.Address>() {}
                    : new TypeReference<org.web3j.abi.datatypes.generated.Uint256>() {}));
    String raw =
        sender.sendCall(target, FunctionEncoder.encode(function), DefaultBlockParameterName.LATEST);
    @SuppressWarnings("rawtypes")
    List<Type> out = FunctionReturnDecoder.decode(raw, function.getOutputParameters());
    Object v = out.get(0).getValue();
    return v instanceof BigInteger b ? b : new BigInteger(((String) v).substring(2), 16);
  }

  /** The calls for {@code NAME=VALUE} changes, reading unchanged reward shares from the chain. */
  public List<GovAction> changes(List<String> sets) {
    return calls.changes(sets, this::current);
  }

  /**
   * Runs each call as the timelock would execute it, against the chain as it is now (an {@code
   * eth_call} from the timelock's address: nothing is sent), and returns what would revert, in
   * words: a value outside its bounds is caught before anyone votes on it. Calls are run one by
   * one, so a call that only an earlier call of the same proposal makes valid is reported too.
   */
  public List<String> simulate(List<GovAction> actions) {
    List<String> problems = new ArrayList<>();
    String from = timelock.getContractAddress();
    for (GovAction a : actions) {
      var tx =
          org.web3j.protocol.core.methods.request.Transaction.createEthCallTransaction(
              from, a.target().value(), org.web3j.utils.Numeric.toHexString(a.calldata()));
      var answer = call(() -> sender.web3j().ethCall(tx, DefaultBlockParameterName.LATEST).send());
      if (answer.hasError() || answer.isReverted()) {
        String data = TransactionSender.revertData(answer.getError());
        String reason = answer.getRevertReason();
        if (data == null && reason != null && reason.startsWith("0x")) {
          data = reason;
        }
        var revert = io.verinfer.chain.ContractErrors.bundled().decode(data);
        problems.add(a.meaning() + ": would revert with " + revert.getMessage());
      }
    }
    return problems;
  }

  // ------------------------------------------------------------------------ votes

  /** Delegates the sender's votes (to itself to vote directly). */
  public TxResult delegate(Address to) {
    return sender.send(token.getContractAddress(), token.delegate(to.value()).encodeFunctionCall());
  }

  /** The votes {@code account} has now (delegated to it, own included if self-delegated). */
  public TokenAmount votes(Address account) {
    return TokenAmount.of(call(() -> token.getVotes(account.value()).send()));
  }

  /** Whom {@code account} delegates to (the zero address: nobody, its tokens do not vote). */
  public Address delegateOf(Address account) {
    return Address.of(call(() -> token.delegates(account.value()).send()));
  }

  /** The votes a proposer needs. */
  public TokenAmount proposalThreshold() {
    return TokenAmount.of(call(() -> governor.proposalThreshold().send()));
  }

  /** The Governor's clock (block number). */
  public long clock() {
    return call(() -> governor.clock().send()).longValueExact();
  }

  // ------------------------------------------------------------------------ lifecycle

  /** Proposes {@code actions}; returns the proposal as the Governor recorded it. */
  public Proposal propose(List<GovAction> actions, String description) {
    if (actions.isEmpty()) {
      throw new IllegalArgumentException(
          "a proposal needs at least one change, grant or delisting");
    }
    if (description == null || description.isBlank()) {
      throw new IllegalArgumentException("--description: a proposal needs a description");
    }
    TxResult sent =
        sender.send(
            governorAddress.value(),
            governor
                .propose(targets(actions), values(actions), calldatas(actions), description)
                .encodeFunctionCall());
    var events = VerinferGovernor.getProposalCreatedEvents(sent.receipt());
    if (events.isEmpty()) {
      throw new ChainException("propose succeeded but emitted no ProposalCreated event");
    }
    return proposalOf(events.get(0));
  }

  public TxResult vote(BigInteger id, Support support, String reason) {
    BigInteger s = BigInteger.valueOf(support.ordinal());
    var function =
        reason == null || reason.isBlank()
            ? governor.castVote(id, s)
            : governor.castVoteWithReason(id, s, reason);
    return sender.send(governorAddress.value(), function.encodeFunctionCall());
  }

  /** Queues a succeeded proposal in the timelock; its ETA is now + the timelock's delay. */
  public TxResult queue(Proposal p) {
    return sender.send(
        governorAddress.value(),
        governor
            .queue(
                targets(p.actions()),
                values(p.actions()),
                calldatas(p.actions()),
                p.descriptionHash())
            .encodeFunctionCall());
  }

  /** Executes a queued proposal whose ETA has passed (anyone may). */
  public TxResult execute(Proposal p) {
    return sender.send(
        governorAddress.value(),
        governor
            .execute(
                targets(p.actions()),
                values(p.actions()),
                calldatas(p.actions()),
                p.descriptionHash(),
                BigInteger.ZERO)
            .encodeFunctionCall());
  }

  public Status status(BigInteger id) {
    State state = State.values()[call(() -> governor.state(id).send()).intValueExact()];
    var votes = call(() -> governor.proposalVotes(id).send());
    long snapshot = call(() -> governor.proposalSnapshot(id).send()).longValueExact();
    long deadline = call(() -> governor.proposalDeadline(id).send()).longValueExact();
    long eta = call(() -> governor.proposalEta(id).send()).longValueExact();
    long clock = clock();
    // quorum(t) needs a past timepoint: before the snapshot is mined, read it at the last block
    long at = Math.min(snapshot, clock - 1);
    BigInteger quorum = call(() -> governor.quorum(BigInteger.valueOf(at)).send());
    return new Status(
        state,
        TokenAmount.of(votes.component2()),
        TokenAmount.of(votes.component1()),
        TokenAmount.of(votes.component3()),
        TokenAmount.of(quorum),
        snapshot,
        deadline,
        eta,
        clock);
  }

  /** The timelock's current delay in seconds. */
  public long timelockDelaySeconds() {
    return call(() -> timelock.getMinDelay().send()).longValueExact();
  }

  /** Every proposal made on this deployment, oldest first. */
  public List<Proposal> proposals() {
    List<Proposal> out = new ArrayList<>();
    long latest = latestBlock();
    long from = deployment.deployedAtBlock();
    String topic = EventEncoder.encode(VerinferGovernor.PROPOSALCREATED_EVENT);
    for (long q = 0; from <= latest; q++) {
      if (q >= MAX_LOG_QUERIES) throw new ChainException("too many log queries for proposals");
      long to = Math.min(latest, from + LOG_CHUNK - 1);
      EthFilter filter =
          new EthFilter(
              DefaultBlockParameter.valueOf(BigInteger.valueOf(from)),
              DefaultBlockParameter.valueOf(BigInteger.valueOf(to)),
              governorAddress.value());
      filter.addSingleTopic(topic);
      EthLog logs = call(() -> sender.web3j().ethGetLogs(filter).send());
      if (logs.hasError()) {
        throw new ChainException("eth_getLogs failed: " + logs.getError().getMessage());
      }
      for (EthLog.LogResult<?> r : logs.getLogs()) {
        out.add(proposalOf(VerinferGovernor.getProposalCreatedEventFromLog((Log) r.get())));
      }
      from = to + 1;
    }
    return out;
  }

  /** The proposal with {@code id}, read from its creation event. */
  public Optional<Proposal> proposal(BigInteger id) {
    return proposals().stream().filter(p -> p.id().equals(id)).findFirst();
  }

  /** What each of a proposal's calls does, in words. */
  public List<String> decode(Proposal p) {
    return p.actions().stream()
        .map(a -> calls.decode(a.target(), a.value(), a.calldata()))
        .toList();
  }

  private Proposal proposalOf(VerinferGovernor.ProposalCreatedEventResponse e) {
    List<GovAction> actions = new ArrayList<>();
    for (int i = 0; i < e.targets.size(); i++) {
      Address target = Address.of(e.targets.get(i));
      BigInteger value = e.values.get(i);
      byte[] data = e.calldatas.get(i);
      actions.add(new GovAction(target, value, data, calls.decode(target, value, data)));
    }
    return new Proposal(
        e.proposalId,
        Address.of(e.proposer),
        actions,
        e.description,
        e.voteStart.longValueExact(),
        e.voteEnd.longValueExact(),
        e.log.getBlockNumber().longValueExact());
  }

  private long latestBlock() {
    return call(() -> sender.web3j().ethBlockNumber().send().getBlockNumber()).longValueExact();
  }

  private static List<String> targets(List<GovAction> actions) {
    return actions.stream().map(a -> a.target().value()).toList();
  }

  private static List<BigInteger> values(List<GovAction> actions) {
    return actions.stream().map(GovAction::value).toList();
  }

  private static List<byte[]> calldatas(List<GovAction> actions) {
    return actions.stream().map(GovAction::calldata).toList();
  }

  private static <T> T call(Callable<T> c) {
    try {
      return c.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new ChainException("governance read failed: " + e.getMessage(), e);
    }
  }
}
