package io.verinfer.node.onchain;

import io.verinfer.chain.bindings.InferenceCoordinator;
import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.protocol.Address;
import java.math.BigInteger;
import java.util.List;
import java.util.Objects;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.TypeEncoder;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.tx.Contract;
import org.web3j.utils.Numeric;

/**
 * One {@code InferenceRequested} or {@code Reassigned} event, kept as the chain wrote it (topics
 * and data) so that the fulfilment passes back the very ticket the event carries: the node reads a
 * few of the ticket's fields through the facade's {@link Requested} and never rebuilds the ticket
 * from them, so fields the contract adds later travel back unchanged.
 *
 * <p>An event is identified by its transaction hash and log index: a reassignment of the same
 * request is another event (another ticket, another deadline).
 */
final class RequestEvent {
  static final String REQUESTED_TOPIC =
      EventEncoder.encode(InferenceCoordinator.INFERENCEREQUESTED_EVENT);
  static final String REASSIGNED_TOPIC = EventEncoder.encode(InferenceCoordinator.REASSIGNED_EVENT);

  private final Log log;
  private final Requested requested;

  private RequestEvent(Log log) {
    this.log = log;
    this.requested =
        InferenceCoordinatorFacade.decode(log)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "not an InferenceRequested or Reassigned event: topic "
                            + (log.getTopics().isEmpty() ? "none" : log.getTopics().get(0))));
  }

  /** The event in a log delivered by the chain. */
  static RequestEvent of(Log log) {
    Objects.requireNonNull(log.getTransactionHash(), "the log's transaction hash");
    Objects.requireNonNull(log.getLogIndex(), "the log's index");
    return new RequestEvent(log);
  }

  /** The event as {@link SqliteRequestStore} keeps it. */
  static RequestEvent stored(
      String address, List<String> topics, String data, String txHash, long logIndex, long block) {
    return new RequestEvent(storedLog(address, topics, data, txHash, logIndex, block));
  }

  /** A log rebuilt from the columns {@link SqliteRequestStore} keeps of it. */
  static Log storedLog(
      String address, List<String> topics, String data, String txHash, long logIndex, long block) {
    Log log = new Log();
    log.setAddress(address);
    log.setTopics(List.copyOf(topics));
    log.setData(data);
    log.setTransactionHash(txHash);
    log.setLogIndex(Numeric.toHexStringWithPrefix(BigInteger.valueOf(logIndex)));
    log.setBlockNumber(Numeric.toHexStringWithPrefix(BigInteger.valueOf(block)));
    return log;
  }

  /** The indexed-topic value that selects events assigning requests to {@code provider}. */
  static String providerTopic(Address provider) {
    return "0x" + TypeEncoder.encode(new org.web3j.abi.datatypes.Address(provider.value()));
  }

  /** {@code <transaction hash>:<log index>}: unique per event on one chain. */
  String key() {
    return txHash() + ":" + logIndex();
  }

  Requested requested() {
    return requested;
  }

  long requestId() {
    return requested.id();
  }

  boolean reassignment() {
    return REASSIGNED_TOPIC.equals(log.getTopics().get(0));
  }

  String address() {
    return log.getAddress();
  }

  List<String> topics() {
    return log.getTopics();
  }

  String data() {
    return log.getData();
  }

  String txHash() {
    return log.getTransactionHash();
  }

  long logIndex() {
    return log.getLogIndex().longValueExact();
  }

  long block() {
    return log.getBlockNumber().longValueExact();
  }

  /**
   * The calldata of {@code fulfil(id, ticket, output)} with this event's ticket exactly as the
   * event carries it, encoded by the generated binding (whose {@code Ticket} follows the contract's
   * ABI).
   */
  String fulfilCall(InferenceCoordinator binding, byte[] output) {
    InferenceCoordinator.Ticket ticket =
        (InferenceCoordinator.Ticket)
            Contract.staticExtractEventParameters(
                    reassignment()
                        ? InferenceCoordinator.REASSIGNED_EVENT
                        : InferenceCoordinator.INFERENCEREQUESTED_EVENT,
                    log)
                .getNonIndexedValues()
                .get(0);
    return binding.fulfil(BigInteger.valueOf(requested.id()), ticket, output).encodeFunctionCall();
  }
}
