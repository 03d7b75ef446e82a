package io.verinfer.chain.facade;

import io.verinfer.chain.bindings.InferenceCoordinator;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Ticket;
import io.verinfer.chain.tx.ChainException;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.TokenAmount;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.Utils;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.tx.Contract;
import org.web3j.utils.Numeric;

/**
 * What happened to one InferenceCoordinator request, read from the coordinator's logs (filtered by
 * the request id topic, in bounded {@code eth_getLogs} ranges). The output of an answer delivered
 * at once ({@code MODE_NONE}) is in its {@code InferenceDelivered} event; for a delivery made
 * before that event existed it is read from the calldata of the {@code fulfil} transaction.
 */
public final class CoordinatorHistory {
  /** The most blocks one {@code eth_getLogs} call asks for. */
  static final long LOG_RANGE = 2_000;

  private static final String FULFILLED_TOPIC =
      EventEncoder.encode(InferenceCoordinator.INFERENCEFULFILLED_EVENT);
  private static final String CHALLENGED_TOPIC =
      EventEncoder.encode(InferenceCoordinator.CHALLENGED_EVENT);
  private static final String REJECTED_TOPIC =
      EventEncoder.encode(InferenceCoordinator.INFERENCEREJECTED_EVENT);
  private static final String CANCELLED_TOPIC =
      EventEncoder.encode(InferenceCoordinator.REQUESTCANCELLED_EVENT);
  private static final String DISPUTED_TOPIC =
      EventEncoder.encode(InferenceCoordinator.DELIVERYDISPUTED_EVENT);

  /** The 4-byte selector of {@code fulfil(uint256,Ticket,bytes)}, from the binding's ABI. */
  private static final String FULFIL_SELECTOR =
      FunctionEncoder.encode(fulfilCall(BigInteger.ZERO, zeroTicket(), new byte[0]))
          .substring(0, 10);

  /** Where a request stands, after its latest event. */
  public enum State {
    /** Waiting for the assigned provider's answer. */
    PENDING,
    /** An optimistic answer is proposed; its challenge window runs until the ticket's deadline. */
    PROPOSED,
    /** The proposed answer is disputed; settlement waits for the verdict. */
    CHALLENGED,
    DELIVERED,
    /**
     * A delivered none-mode answer is disputed: a guilty verdict slashes the provider; nothing is
     * refunded (the callback ran).
     */
    DISPUTED,
    /** The challenged answer lost (or had no majority): the fee went back to the deposit. */
    REJECTED,
    CANCELLED
  }

  /** One event of a request, in chain order. */
  public sealed interface Event {
    long block();

    String txHash();
  }

  /** {@code InferenceRequested}, or {@code Reassigned} to another provider. */
  public record Assigned(boolean reassigned, Ticket ticket, byte[] input, long block, String txHash)
      implements Event {}

  public record Proposed(Ticket ticket, byte[] output, long block, String txHash)
      implements Event {}

  public record Challenged(long disputeId, Address challenger, long block, String txHash)
      implements Event {}

  /**
   * A none-mode answer delivered ({@code InferenceDelivered}, just before its {@link Fulfilled}):
   * its output, disputable until {@code disputeUntil}.
   */
  public record Delivered(Instant disputeUntil, byte[] output, long block, String txHash)
      implements Event {}

  /** A delivered none-mode answer disputed ({@code DeliveryDisputed}). */
  public record Disputed(long disputeId, Address challenger, long block, String txHash)
      implements Event {}

  public record Fulfilled(
      Address provider, Bytes32 outputHash, boolean callbackSucceeded, long block, String txHash)
      implements Event {}

  public record Rejected(long disputeId, TokenAmount refund, long block, String txHash)
      implements Event {}

  public record Cancelled(TokenAmount refund, long block, String txHash) implements Event {}

  /** A request's events (the first is its {@code InferenceRequested}). */
  public record Request(long id, List<Event> events) {
    public Request {
      events = List.copyOf(events);
      if (events.isEmpty() || !(events.get(0) instanceof Assigned a) || a.reassigned()) {
        throw new IllegalArgumentException("a request's history starts with InferenceRequested");
      }
    }

    public State state() {
      return switch (events.get(events.size() - 1)) {
        case Assigned a -> State.PENDING;
        case Proposed p -> State.PROPOSED;
        case Challenged c -> State.CHALLENGED;
        case Delivered d -> State.DELIVERED;
        case Fulfilled f -> State.DELIVERED;
        case Disputed d -> State.DISPUTED;
        case Rejected r -> State.REJECTED;
        case Cancelled c -> State.CANCELLED;
      };
    }

    /** The request as first made. */
    public Assigned requested() {
      return (Assigned) events.get(0);
    }

    /** The latest ticket: its provider, fee and deadline (or window close once proposed). */
    public Ticket ticket() {
      Ticket latest = requested().ticket();
      for (Event e : events) {
        if (e instanceof Assigned a) {
          latest = a.ticket();
        } else if (e instanceof Proposed p) {
          latest = p.ticket();
        }
      }
      return latest;
    }

    /** The dispute over the proposed or delivered answer, or 0. */
    public long disputeId() {
      for (Event e : events) {
        if (e instanceof Challenged c) {
          return c.disputeId();
        }
        if (e instanceof Disputed d) {
          return d.disputeId();
        }
      }
      return 0;
    }

    public <T extends Event> Optional<T> last(Class<T> type) {
      T found = null;
      for (Event e : events) {
        if (type.isInstance(e)) {
          found = type.cast(e);
        }
      }
      return Optional.ofNullable(found);
    }
  }

  private final Web3j web3j;
  private final Address coordinator;

  public CoordinatorHistory(Web3j web3j, Address coordinator) {
    this.web3j = web3j;
    this.coordinator = coordinator;
  }

  public long latestBlock() {
    try {
      return web3j.ethBlockNumber().send().getBlockNumber().longValueExact();
    } catch (IOException | RuntimeException e) {
      throw new ChainException("eth_blockNumber failed: " + e.getMessage(), e);
    }
  }

  /** The latest block's time: deadlines and challenge windows run on the chain's clock. */
  public Instant latestBlockTime() {
    try {
      var block = web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send();
      if (block.hasError() || block.getBlock() == null) {
        throw new ChainException("eth_getBlockByNumber(latest) returned no block");
      }
      return Instant.ofEpochSecond(block.getBlock().getTimestamp().longValueExact());
    } catch (IOException e) {
      throw new ChainException("eth_getBlockByNumber failed: " + e.getMessage(), e);
    }
  }

  /**
   * Request {@code id}'s events between {@code fromBlock} and {@code toBlock}, or empty when its
   * {@code InferenceRequested} is not in that range. Scans backwards in ranges of {@value
   * #LOG_RANGE} blocks and stops at the request, so a recent request costs one or two calls.
   */
  public Optional<Request> find(long id, long fromBlock, long toBlock) {
    String idTopic = Numeric.toHexStringWithPrefixZeroPadded(BigInteger.valueOf(id), 64);
    List<Log> logs = new ArrayList<>();
    // Bounded: `to` falls by LOG_RANGE each round until it passes fromBlock.
    for (long to = toBlock; to >= fromBlock; to -= LOG_RANGE) {
      long from = Math.max(fromBlock, to - LOG_RANGE + 1);
      List<Log> found = logs(id, idTopic, from, to);
      logs.addAll(found);
      if (found.stream()
          .anyMatch(l -> topic0(l).equals(InferenceCoordinatorFacade.REQUESTED_TOPIC))) {
        logs.sort(Comparator.comparing(Log::getBlockNumber).thenComparing(Log::getLogIndex));
        return Optional.of(new Request(id, logs.stream().map(CoordinatorHistory::event).toList()));
      }
    }
    return Optional.empty();
  }

  private List<Log> logs(long id, String idTopic, long from, long to) {
    EthFilter filter =
        new EthFilter(
            DefaultBlockParameter.valueOf(BigInteger.valueOf(from)),
            DefaultBlockParameter.valueOf(BigInteger.valueOf(to)),
            coordinator.value());
    filter.addOptionalTopics(
        InferenceCoordinatorFacade.REQUESTED_TOPIC,
        InferenceCoordinatorFacade.REASSIGNED_TOPIC,
        InferenceCoordinatorFacade.PROPOSED_TOPIC,
        CHALLENGED_TOPIC,
        FULFILLED_TOPIC,
        REJECTED_TOPIC,
        CANCELLED_TOPIC,
        InferenceCoordinatorFacade.DELIVERED_TOPIC,
        DISPUTED_TOPIC);
    filter.addSingleTopic(idTopic);
    EthLog answer;
    try {
      answer = web3j.ethGetLogs(filter).send();
    } catch (IOException | RuntimeException e) {
      throw new ChainException("eth_getLogs for request " + id + " failed: " + e.getMessage(), e);
    }
    if (answer.hasError()) {
      throw new ChainException(
          "eth_getLogs for request " + id + " failed: " + answer.getError().getMessage());
    }
    List<Log> logs = new ArrayList<>();
    for (EthLog.LogResult<?> result : answer.getLogs()) {
      if (result.get() instanceof Log log
          && log.getBlockNumber() != null
          && log.getAddress().equalsIgnoreCase(coordinator.value())) {
        logs.add(log);
      }
    }
    return logs;
  }

  private static String topic0(Log log) {
    return log.getTopics().isEmpty() ? "" : log.getTopics().get(0);
  }

  private static Event event(Log log) {
    String topic = topic0(log);
    long block = log.getBlockNumber().longValueExact();
    String tx = log.getTransactionHash();
    if (topic.equals(InferenceCoordinatorFacade.PROPOSED_TOPIC)) {
      var p = InferenceCoordinatorFacade.decodeProposed(log).orElseThrow();
      return new Proposed(p.ticket(), p.output(), block, tx);
    }
    var requested = InferenceCoordinatorFacade.decode(log);
    if (requested.isPresent()) {
      var r = requested.get();
      boolean reassigned = topic.equals(InferenceCoordinatorFacade.REASSIGNED_TOPIC);
      return new Assigned(reassigned, r.ticket(), r.input(), block, tx);
    }
    if (topic.equals(CHALLENGED_TOPIC)) {
      var v = Contract.staticExtractEventParameters(InferenceCoordinator.CHALLENGED_EVENT, log);
      return new Challenged(
          uint(v.getIndexedValues().get(1)),
          Address.of((String) v.getIndexedValues().get(2).getValue()),
          block,
          tx);
    }
    if (topic.equals(InferenceCoordinatorFacade.DELIVERED_TOPIC)) {
      var d = InferenceCoordinatorFacade.decodeDelivered(log).orElseThrow();
      return new Delivered(d.disputeUntil(), d.output(), block, tx);
    }
    if (topic.equals(DISPUTED_TOPIC)) {
      var v =
          Contract.staticExtractEventParameters(InferenceCoordinator.DELIVERYDISPUTED_EVENT, log);
      return new Disputed(
          uint(v.getIndexedValues().get(1)),
          Address.of((String) v.getIndexedValues().get(2).getValue()),
          block,
          tx);
    }
    if (topic.equals(FULFILLED_TOPIC)) {
      var v =
          Contract.staticExtractEventParameters(InferenceCoordinator.INFERENCEFULFILLED_EVENT, log);
      return new Fulfilled(
          Address.of((String) v.getIndexedValues().get(1).getValue()),
          Bytes32.of((byte[]) v.getNonIndexedValues().get(0).getValue()),
          (Boolean) v.getNonIndexedValues().get(1).getValue(),
          block,
          tx);
    }
    if (topic.equals(REJECTED_TOPIC)) {
      var v =
          Contract.staticExtractEventParameters(InferenceCoordinator.INFERENCEREJECTED_EVENT, log);
      return new Rejected(
          uint(v.getIndexedValues().get(1)),
          TokenAmount.of((BigInteger) v.getNonIndexedValues().get(0).getValue()),
          block,
          tx);
    }
    if (topic.equals(CANCELLED_TOPIC)) {
      var v =
          Contract.staticExtractEventParameters(InferenceCoordinator.REQUESTCANCELLED_EVENT, log);
      return new Cancelled(
          TokenAmount.of((BigInteger) v.getNonIndexedValues().get(0).getValue()), block, tx);
    }
    throw new IllegalStateException("eth_getLogs returned a log outside the filter: " + topic);
  }

  private static long uint(Type<?> value) {
    return ((BigInteger) value.getValue()).longValueExact();
  }

  /**
   * The delivered or proposed output: from {@code InferenceProposed} for an optimistic answer, from
   * {@code InferenceDelivered} for a none-mode one, else (a delivery older than that event) from
   * the {@code fulfil} calldata of the delivering transaction, checked against the event's output
   * hash. Empty before an answer, or for such an old delivery when the provider called {@code
   * fulfil} through a contract (then the calldata is that contract's, not {@code fulfil}'s).
   */
  public Optional<byte[]> output(Request request) {
    Optional<Proposed> proposed = request.last(Proposed.class);
    if (proposed.isPresent()) {
      return Optional.of(proposed.get().output());
    }
    Optional<Delivered> delivered = request.last(Delivered.class);
    if (delivered.isPresent()) {
      return Optional.of(delivered.get().output());
    }
    Optional<Fulfilled> fulfilled = request.last(Fulfilled.class);
    if (fulfilled.isEmpty()) {
      return Optional.empty();
    }
    String input = transactionInput(fulfilled.get().txHash());
    Optional<byte[]> output = fulfilOutput(input, request.id());
    return output.filter(o -> Bytes32.keccak256(o).equals(fulfilled.get().outputHash()));
  }

  private String transactionInput(String hash) {
    try {
      var answer = web3j.ethGetTransactionByHash(hash).send();
      if (answer.hasError()) {
        throw new ChainException(
            "eth_getTransactionByHash " + hash + " failed: " + answer.getError().getMessage());
      }
      return answer
          .getTransaction()
          .orElseThrow(() -> new ChainException("the node does not know transaction " + hash))
          .getInput();
    } catch (IOException e) {
      throw new ChainException(
          "eth_getTransactionByHash " + hash + " failed: " + e.getMessage(), e);
    }
  }

  /** The output argument of a {@code fulfil(id, …)} call's data, or empty for any other call. */
  static Optional<byte[]> fulfilOutput(String data, long id) {
    if (data == null || !data.toLowerCase(java.util.Locale.ROOT).startsWith(FULFIL_SELECTOR)) {
      return Optional.empty();
    }
    List<TypeReference<?>> params =
        List.of(
            new TypeReference<Uint256>() {},
            new TypeReference<InferenceCoordinator.Ticket>() {},
            new TypeReference<DynamicBytes>() {});
    List<?> args;
    try {
      args = FunctionReturnDecoder.decode("0x" + data.substring(10), Utils.convert(params));
    } catch (RuntimeException e) {
      return Optional.empty(); // the selector matched but the arguments are malformed
    }
    if (args.size() != 3 || !BigInteger.valueOf(id).equals(((Type<?>) args.get(0)).getValue())) {
      return Optional.empty();
    }
    return Optional.of((byte[]) ((Type<?>) args.get(2)).getValue());
  }

  static Function fulfilCall(BigInteger id, InferenceCoordinator.Ticket ticket, byte[] output) {
    return new Function(
        InferenceCoordinator.FUNC_FULFIL,
        List.of(new Uint256(id), ticket, new DynamicBytes(output)),
        List.of());
  }

  private static InferenceCoordinator.Ticket zeroTicket() {
    String zero = Address.ZERO.value();
    BigInteger z = BigInteger.ZERO;
    byte[] word = new byte[32];
    return new InferenceCoordinator.Ticket(zero, z, z, z, z, zero, z, z, z, z, z, word, word);
  }
}
