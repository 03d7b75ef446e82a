package io.verinfer.node.onchain;

import io.verinfer.chain.bindings.InferenceCoordinator;
import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Proposed;
import java.math.BigInteger;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.tx.Contract;

/**
 * One {@code InferenceProposed} event of this node, kept as the chain wrote it (topics and data),
 * like {@link RequestEvent}: {@code settle} passes back the proposed ticket (its output hash and
 * the challenge window's end) and the output exactly as the event carries them, so the ticket is
 * never rebuilt from the few fields the node reads.
 */
final class ProposalEvent extends CoordinatorEvent<Proposed> {
  static final String TOPIC = InferenceCoordinatorFacade.PROPOSED_TOPIC;

  private ProposalEvent(Log log) {
    super(log, InferenceCoordinatorFacade::decodeProposed, "an InferenceProposed");
  }

  /** The event in a log delivered by the chain, or rebuilt from the store. */
  static ProposalEvent of(Log log) {
    return new ProposalEvent(delivered(log));
  }

  Proposed proposed() {
    return decoded();
  }

  @Override
  long requestId() {
    return decoded().id();
  }

  /**
   * The calldata of {@code settle(id, ticket, output)} with this event's ticket and output exactly
   * as the event carries them, encoded by the generated binding.
   */
  String settleCall(InferenceCoordinator binding) {
    var values =
        Contract.staticExtractEventParameters(InferenceCoordinator.INFERENCEPROPOSED_EVENT, log());
    InferenceCoordinator.Ticket ticket =
        (InferenceCoordinator.Ticket) values.getNonIndexedValues().get(0);
    byte[] output = (byte[]) values.getNonIndexedValues().get(1).getValue();
    return binding.settle(BigInteger.valueOf(requestId()), ticket, output).encodeFunctionCall();
  }
}
