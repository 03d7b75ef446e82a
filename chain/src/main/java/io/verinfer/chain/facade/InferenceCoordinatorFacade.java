package io.verinfer.chain.facade;

import io.verinfer.chain.bindings.InferenceCoordinator;
import io.verinfer.chain.tx.ChainException;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.web3j.abi.EventEncoder;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * InferenceCoordinator: deposits for on-chain requesters, requests, answers by the assigned
 * provider (delivered at once, or proposed for a challenge window in optimistic mode), challenges
 * of proposed answers and disputes of delivered ones, settlement, reassignment and cancellation
 * after a timeout. See the contract's NatSpec.
 */
public final class InferenceCoordinatorFacade extends ContractFacade {
  /**
   * The callback comes in the fulfilling transaction; the delivered answer stays disputable for the
   * challenge window ({@link #disputeDelivered}).
   */
  public static final int MODE_NONE = 0;

  /** The answer waits out a challenge window (or a dispute) before its callback. */
  public static final int MODE_OPTIMISTIC = 1;

  /** An open request as the contract hashed it (carried by its events). */
  public record Ticket(
      Address requester,
      ModelId model,
      long callbackGasLimit,
      int mode,
      int assignments,
      Address provider,
      TokenAmount fee,
      TokenAmount maxFee,
      TokenAmount royalty,
      TokenAmount protocolFee,
      Instant deadline,
      Bytes32 inputHash,
      Bytes32 outputHash) {
    public Ticket {
      Objects.requireNonNull(requester, "requester");
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(provider, "provider");
      Objects.requireNonNull(fee, "fee");
      Objects.requireNonNull(maxFee, "maxFee");
      Objects.requireNonNull(royalty, "royalty");
      Objects.requireNonNull(protocolFee, "protocolFee");
      Objects.requireNonNull(deadline, "deadline");
      Objects.requireNonNull(inputHash, "inputHash");
      Objects.requireNonNull(outputHash, "outputHash");
    }

    /** Whether an optimistic answer has been proposed (its challenge window is running). */
    public boolean proposed() {
      return !outputHash.equals(Bytes32.ZERO);
    }

    /**
     * The ticket as the generated binding's struct: the ABI value to pass to a contract function
     * that takes a coordinator ticket (e.g. a consumer's own cancel).
     */
    public InferenceCoordinator.Ticket struct() {
      return new InferenceCoordinator.Ticket(
          requester.value(),
          BigInteger.valueOf(model.value()),
          BigInteger.valueOf(callbackGasLimit),
          BigInteger.valueOf(mode),
          BigInteger.valueOf(assignments),
          provider.value(),
          fee.baseUnits(),
          maxFee.baseUnits(),
          royalty.baseUnits(),
          protocolFee.baseUnits(),
          BigInteger.valueOf(deadline.getEpochSecond()),
          inputHash.bytes(),
          outputHash.bytes());
    }

    static Ticket of(InferenceCoordinator.Ticket t) {
      return new Ticket(
          Address.of(t.requester),
          ModelId.of(t.modelId.longValueExact()),
          t.callbackGasLimit.longValueExact(),
          t.mode.intValueExact(),
          t.assignments.intValueExact(),
          Address.of(t.provider),
          TokenAmount.of(t.fee),
          TokenAmount.of(t.maxFee),
          TokenAmount.of(t.royalty),
          TokenAmount.of(t.protocolFee),
          Instant.ofEpochSecond(t.deadline.longValueExact()),
          Bytes32.of(t.inputHash),
          Bytes32.of(t.outputHash));
    }
  }

  /** A request (or its reassignment) as its event tells it. */
  public record Requested(long id, Ticket ticket, byte[] input, long block, String txHash) {}

  /** An optimistic answer proposed for its challenge window, as its event tells it. */
  public record Proposed(long id, Ticket ticket, byte[] output, long block, String txHash) {}

  /**
   * A none-mode answer delivered, as its {@code InferenceDelivered} event tells it: with the
   * request's input and latest ticket, what a dispute of it needs until {@code disputeUntil}.
   */
  public record Delivered(long id, Instant disputeUntil, byte[] output, long block, String txHash) {
    public Delivered {
      Objects.requireNonNull(disputeUntil, "disputeUntil");
      Objects.requireNonNull(output, "output");
    }
  }

  /** topic0 of {@code InferenceDelivered}. */
  public static final String DELIVERED_TOPIC =
      EventEncoder.encode(InferenceCoordinator.INFERENCEDELIVERED_EVENT);

  /** topic0 of {@code InferenceRequested}. */
  public static final String REQUESTED_TOPIC =
      EventEncoder.encode(InferenceCoordinator.INFERENCEREQUESTED_EVENT);

  /** topic0 of {@code Reassigned}. */
  public static final String REASSIGNED_TOPIC =
      EventEncoder.encode(InferenceCoordinator.REASSIGNED_EVENT);

  /** topic0 of {@code InferenceProposed}. */
  public static final String PROPOSED_TOPIC =
      EventEncoder.encode(InferenceCoordinator.INFERENCEPROPOSED_EVENT);

  private final InferenceCoordinator binding;

  public InferenceCoordinatorFacade(TransactionSender sender, Address address) {
    super(sender, address);
    this.binding =
        InferenceCoordinator.load(
            address.value(), sender.web3j(), sender, new DefaultGasProvider());
  }

  /** Adds to {@code requester}'s deposit from the sender's tokens (approve this contract first). */
  public TxResult depositFor(Address requester, TokenAmount amount) {
    return tx(binding.depositFor(requester.value(), units(amount)));
  }

  public TxResult withdraw(TokenAmount amount) {
    return tx(binding.withdraw(units(amount)));
  }

  public TokenAmount depositOf(Address requester) {
    return TokenAmount.of(call(binding.depositOf(requester.value())));
  }

  public TokenAmount earningsOf(Address account) {
    return TokenAmount.of(call(binding.earningsOf(account.value())));
  }

  /** Requests as the sender (an EOA requester; contracts call the contract themselves). */
  public Requested request(
      ModelId model, byte[] input, int mode, TokenAmount maxFee, long callbackGasLimit) {
    TxResult r =
        tx(
            binding.requestInference(
                BigInteger.valueOf(model.value()),
                input,
                BigInteger.valueOf(mode),
                units(maxFee),
                BigInteger.valueOf(callbackGasLimit)));
    List<Requested> found = requested(r);
    if (found.isEmpty()) {
      throw new ChainException("requestInference mined without InferenceRequested: " + r.hash());
    }
    return found.get(0);
  }

  /** Every request and reassignment event {@code result} carries (of this contract). */
  public List<Requested> requested(TxResult result) {
    return ours(result).flatMap(l -> decode(l).stream()).toList();
  }

  /** Every optimistic proposal {@code result} carries (of this contract). */
  public List<Proposed> proposed(TxResult result) {
    return ours(result).flatMap(l -> decodeProposed(l).stream()).toList();
  }

  /** Every none-mode delivery {@code result} carries (of this contract). */
  public List<Delivered> delivered(TxResult result) {
    return ours(result).flatMap(l -> decodeDelivered(l).stream()).toList();
  }

  private java.util.stream.Stream<Log> ours(TxResult result) {
    return result.logs().stream().filter(l -> l.getAddress().equalsIgnoreCase(address.value()));
  }

  private static String topic0(Log log) {
    return log.getTopics().isEmpty() ? "" : log.getTopics().get(0);
  }

  /** A request or reassignment log decoded, or empty for any other log. */
  public static Optional<Requested> decode(Log log) {
    String topic = topic0(log);
    boolean requested = topic.equals(REQUESTED_TOPIC);
    if (!requested && !topic.equals(REASSIGNED_TOPIC)) {
      return Optional.empty();
    }
    var values =
        org.web3j.tx.Contract.staticExtractEventParameters(
            requested
                ? InferenceCoordinator.INFERENCEREQUESTED_EVENT
                : InferenceCoordinator.REASSIGNED_EVENT,
            log);
    long id = ((BigInteger) values.getIndexedValues().get(0).getValue()).longValueExact();
    var t = (InferenceCoordinator.Ticket) values.getNonIndexedValues().get(0);
    byte[] input = (byte[]) values.getNonIndexedValues().get(1).getValue();
    return Optional.of(
        new Requested(
            id,
            Ticket.of(t),
            input,
            log.getBlockNumber().longValueExact(),
            log.getTransactionHash()));
  }

  /** An {@code InferenceProposed} log decoded, or empty for any other log. */
  public static Optional<Proposed> decodeProposed(Log log) {
    if (!topic0(log).equals(PROPOSED_TOPIC)) {
      return Optional.empty();
    }
    var values =
        org.web3j.tx.Contract.staticExtractEventParameters(
            InferenceCoordinator.INFERENCEPROPOSED_EVENT, log);
    long id = ((BigInteger) values.getIndexedValues().get(0).getValue()).longValueExact();
    var t = (InferenceCoordinator.Ticket) values.getNonIndexedValues().get(0);
    byte[] output = (byte[]) values.getNonIndexedValues().get(1).getValue();
    return Optional.of(
        new Proposed(
            id,
            Ticket.of(t),
            output,
            log.getBlockNumber().longValueExact(),
            log.getTransactionHash()));
  }

  /** An {@code InferenceDelivered} log decoded, or empty for any other log. */
  public static Optional<Delivered> decodeDelivered(Log log) {
    if (!topic0(log).equals(DELIVERED_TOPIC)) {
      return Optional.empty();
    }
    var values =
        org.web3j.tx.Contract.staticExtractEventParameters(
            InferenceCoordinator.INFERENCEDELIVERED_EVENT, log);
    long id = ((BigInteger) values.getIndexedValues().get(0).getValue()).longValueExact();
    long until = ((BigInteger) values.getNonIndexedValues().get(0).getValue()).longValueExact();
    byte[] output = (byte[]) values.getNonIndexedValues().get(1).getValue();
    return Optional.of(
        new Delivered(
            id,
            Instant.ofEpochSecond(until),
            output,
            log.getBlockNumber().longValueExact(),
            log.getTransactionHash()));
  }

  /**
   * Answers request {@code id} as its assigned provider: delivered at once ({@link #MODE_NONE}), or
   * proposed for the challenge window ({@link #MODE_OPTIMISTIC}).
   */
  public TxResult fulfil(long id, Ticket ticket, byte[] output) {
    return tx(binding.fulfil(BigInteger.valueOf(id), ticket.struct(), output));
  }

  /**
   * Challenges a proposed answer within its window ({@code ticket} from the proposal); takes the
   * dispute bond (approve it to the DisputeManager first).
   *
   * @return the dispute's id
   */
  public long challenge(long id, Ticket ticket, byte[] input, byte[] output) {
    tx(binding.challenge(BigInteger.valueOf(id), ticket.struct(), input, output));
    return disputeOf(id);
  }

  /**
   * Disputes a delivered none-mode answer until its {@code disputeUntil}: {@code ticket} is the one
   * it was delivered on (the request's latest {@link Requested}), {@code input} the request's,
   * {@code disputeUntil} and {@code output} from its {@link Delivered}. Takes the dispute bond
   * (approve it to the DisputeManager first). A guilty verdict slashes the provider; the requester
   * gets no refund (its callback already ran).
   *
   * @return the dispute's id
   */
  public long disputeDelivered(
      long id, Ticket ticket, Instant disputeUntil, byte[] input, byte[] output) {
    tx(
        binding.disputeDelivered(
            BigInteger.valueOf(id),
            ticket.struct(),
            BigInteger.valueOf(disputeUntil.getEpochSecond()),
            input,
            output));
    return disputeOf(id);
  }

  /** Ends an optimistic request after its window or its dispute (anyone may). */
  public TxResult settle(long id, Ticket ticket, byte[] output) {
    return tx(binding.settle(BigInteger.valueOf(id), ticket.struct(), output));
  }

  public TxResult reassign(long id, Ticket ticket, byte[] input) {
    return tx(binding.reassign(BigInteger.valueOf(id), ticket.struct(), input));
  }

  public TxResult cancel(long id, Ticket ticket) {
    return tx(binding.cancel(BigInteger.valueOf(id), ticket.struct()));
  }

  /** Moves a model's accrued royalty and protocol fees into their owners' earnings. */
  public TxResult sweepShares(ModelId model) {
    return tx(binding.sweepShares(BigInteger.valueOf(model.value())));
  }

  public TxResult claimEarnings() {
    return tx(binding.claimEarnings());
  }

  public boolean isPending(long id) {
    return call(binding.isPending(BigInteger.valueOf(id)));
  }

  /** Whether request {@code id} holds a delivered none-mode answer (disputable until its end). */
  public boolean isDelivered(long id) {
    return call(binding.isDelivered(BigInteger.valueOf(id)));
  }

  /** The dispute opened over request {@code id}'s proposed or delivered answer, or 0. */
  public long disputeOf(long id) {
    return call(binding.disputeOf(BigInteger.valueOf(id))).longValueExact();
  }

  public long requestCount() {
    return call(binding.requestCount()).longValueExact();
  }
}
