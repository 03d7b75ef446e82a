package io.verinfer.node.onchain;

import io.verinfer.chain.bindings.InferenceCoordinator;
import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Proposed;
import java.math.BigInteger;
import java.util.List;
import java.util.Objects;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.tx.Contract;

/**
 * One {@code InferenceProposed} event of this node, kept as the chain wrote it (topics and data),
 * like {@link RequestEvent}: {@code settle} passes back the proposed ticket (its output hash and
 * the challenge window's end) and the output exactly as the event carries them, so the ticket is
 * never rebuilt from the few fields the node reads.
 */
final class ProposalEvent {
  static final String TOPIC = InferenceCoordinatorFacade.PROPOSED_TOPIC;

  private final Log log;
  private final Proposed proposed;

  private ProposalEvent(Log log) {
    this.log = log;
    this.proposed =
        InferenceCoordinatorFacade.decodeProposed(log)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "not an InferenceProposed event: topic "
                            + (log.getTopics().isEmpty() ? "none" : log.getTopics().get(0))));
  }

  /** The event in a log delivered by the chain. */
  static ProposalEvent of(Log log) {
    Objects.requireNonNull(log.getTransactionHash(), "the log's transaction hash");
    Objects.requireNonNull(log.getLogIndex(), "the log's index");
    return new ProposalEvent(log);
  }

  /** The event as {@link SqliteRequestStore} keeps it. */
  static ProposalEvent stored(
      String address, List<String> topics, String data, String txHash, long logIndex, long block) {
    return new ProposalEvent(
        RequestEvent.storedLog(address, topics, data, txHash, logIndex, block));
  }

  /** {@code <transaction hash>:<log index>}: unique per event on one chain. */
  String key() {
    return txHash() + ":" + logIndex();
  }

  Proposed proposed() {
    return proposed;
  }

  long requestId() {
    return proposed.id();
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
   * The calldata of {@code settle(id, ticket, output)} with this event's ticket and output exactly
   * as the event carries them, encoded by the generated binding.
   */
  String settleCall(InferenceCoordinator binding) {
    var values =
        Contract.staticExtractEventParameters(InferenceCoordinator.INFERENCEPROPOSED_EVENT, log);
    InferenceCoordinator.Ticket ticket =
        (InferenceCoordinator.Ticket) values.getNonIndexedValues().get(0);
    byte[] output = (byte[]) values.getNonIndexedValues().get(1).getValue();
    return binding.settle(BigInteger.valueOf(proposed.id()), ticket, output).encodeFunctionCall();
  }
}
