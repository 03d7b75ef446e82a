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
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * InferenceCoordinator: deposits for on-chain requesters, requests, fulfilment by the assigned
 * provider, reassignment and cancellation after a timeout. See the contract's NatSpec.
 */
public final class InferenceCoordinatorFacade extends ContractFacade {
  /** How a request is verified before its callback ({@code MODE_NONE}: in the fulfilling tx). */
  public static final int MODE_NONE = 0;

  /** A pending request as the contract hashed it (carried by its events). */
  public record Ticket(
      Address requester,
      ModelId model,
      long callbackGasLimit,
      int mode,
      int assignments,
      Address provider,
      TokenAmount fee,
      TokenAmount maxFee,
      Instant deadline,
      Bytes32 inputHash) {
    public Ticket {
      Objects.requireNonNull(requester, "requester");
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(provider, "provider");
      Objects.requireNonNull(fee, "fee");
      Objects.requireNonNull(maxFee, "maxFee");
      Objects.requireNonNull(deadline, "deadline");
      Objects.requireNonNull(inputHash, "inputHash");
    }

    InferenceCoordinator.Ticket struct() {
      return new InferenceCoordinator.Ticket(
          requester.value(),
          BigInteger.valueOf(model.value()),
          BigInteger.valueOf(callbackGasLimit),
          BigInteger.valueOf(mode),
          BigInteger.valueOf(assignments),
          provider.value(),
          fee.baseUnits(),
          maxFee.baseUnits(),
          BigInteger.valueOf(deadline.getEpochSecond()),
          inputHash.bytes());
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
          Instant.ofEpochSecond(t.deadline.longValueExact()),
          Bytes32.of(t.inputHash));
    }
  }

  /** A request (or its reassignment) as its event tells it. */
  public record Requested(long id, Ticket ticket, byte[] input, long block, String txHash) {}

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
    return result.logs().stream()
        .filter(l -> l.getAddress().equalsIgnoreCase(address.value()))
        .flatMap(l -> decode(l).stream())
        .toList();
  }

  /** A request or reassignment log decoded, or empty for any other log. */
  public static java.util.Optional<Requested> decode(Log log) {
    String topic = log.getTopics().isEmpty() ? "" : log.getTopics().get(0);
    boolean requested =
        topic.equals(
            org.web3j.abi.EventEncoder.encode(InferenceCoordinator.INFERENCEREQUESTED_EVENT));
    boolean reassigned =
        topic.equals(org.web3j.abi.EventEncoder.encode(InferenceCoordinator.REASSIGNED_EVENT));
    if (!requested && !reassigned) {
      return java.util.Optional.empty();
    }
    var values =
        org.web3j.tx.Contract.staticExtractEventParameters(
            requested
                ? InferenceCoordinator.INFERENCEREQUESTED_EVENT
                : InferenceCoordinator.REASSIGNED_EVENT,
            log);
    long id = ((BigInteger) values.getIndexedValues().get(0).getValue()).longValueExact();
    InferenceCoordinator.Ticket t =
        (InferenceCoordinator.Ticket) values.getNonIndexedValues().get(0);
    byte[] input = (byte[]) values.getNonIndexedValues().get(1).getValue();
    return java.util.Optional.of(
        new Requested(
            id,
            Ticket.of(t),
            input,
            log.getBlockNumber().longValueExact(),
            log.getTransactionHash()));
  }

  /** Delivers {@code output} for request {@code id} as its assigned provider. */
  public TxResult fulfil(long id, Ticket ticket, byte[] output) {
    return tx(binding.fulfil(BigInteger.valueOf(id), ticket.struct(), output));
  }

  public TxResult reassign(long id, Ticket ticket, byte[] input) {
    return tx(binding.reassign(BigInteger.valueOf(id), ticket.struct(), input));
  }

  public TxResult cancel(long id, Ticket ticket) {
    return tx(binding.cancel(BigInteger.valueOf(id), ticket.struct()));
  }

  public TxResult claimEarnings() {
    return tx(binding.claimEarnings());
  }

  public boolean isPending(long id) {
    return call(binding.isPending(BigInteger.valueOf(id)));
  }

  public long requestCount() {
    return call(binding.requestCount()).longValueExact();
  }
}
