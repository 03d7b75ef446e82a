package io.verinfer.node.onchain;

import java.math.BigInteger;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.utils.Numeric;

/**
 * An InferenceCoordinator event this node acts on, kept as the chain wrote it (topics and data)
 * next to the few fields the node reads from it, decoded by the facade ({@code T}). Calls made from
 * the event pass its ticket back exactly as the event carries it, so fields the contract adds later
 * travel back unchanged. An event is identified by its transaction hash and log index.
 *
 * @param <T> what the facade decodes from the event
 */
abstract sealed class CoordinatorEvent<T> permits RequestEvent, ProposalEvent {
  private final Log log;
  private final T decoded;

  /**
   * @param expected the event's name with its article, for the error when {@code log} is another
   *     event: {@code "an InferenceProposed"}
   */
  CoordinatorEvent(Log log, Function<Log, Optional<T>> decode, String expected) {
    this.log = log;
    this.decoded =
        decode
            .apply(log)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "not "
                            + expected
                            + " event: topic "
                            + (log.getTopics().isEmpty() ? "none" : log.getTopics().get(0))));
  }

  /** {@code log}, once it says where the chain wrote it (delivered logs always do). */
  static Log delivered(Log log) {
    Objects.requireNonNull(log.getTransactionHash(), "the log's transaction hash");
    Objects.requireNonNull(log.getLogIndex(), "the log's index");
    return log;
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

  /** {@code <transaction hash>:<log index>}: unique per event on one chain. */
  final String key() {
    return txHash() + ":" + logIndex();
  }

  abstract long requestId();

  /** The fields the node reads, as the facade decoded them. */
  final T decoded() {
    return decoded;
  }

  /** The log as the chain wrote it, for encoding calls from it. */
  final Log log() {
    return log;
  }

  final String address() {
    return log.getAddress();
  }

  final List<String> topics() {
    return log.getTopics();
  }

  final String data() {
    return log.getData();
  }

  final String txHash() {
    return log.getTransactionHash();
  }

  final long logIndex() {
    return log.getLogIndex().longValueExact();
  }

  final long block() {
    return log.getBlockNumber().longValueExact();
  }
}
