package io.verinfer.node.onchain;

import io.verinfer.chain.bindings.InferenceCoordinator;
import io.verinfer.chain.facade.InferenceCoordinatorFacade;
import io.verinfer.chain.facade.InferenceCoordinatorFacade.Requested;
import io.verinfer.protocol.Address;
import java.math.BigInteger;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.TypeEncoder;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.tx.Contract;

/**
 * One {@code InferenceRequested} or {@code Reassigned} event, kept as the chain wrote it (topics
 * and data) so that the fulfilment passes back the very ticket the event carries: the node reads a
 * few of the ticket's fields through the facade's {@link Requested} and never rebuilds the ticket
 * from them, so fields the contract adds later travel back unchanged.
 *
 * <p>An event is identified by its transaction hash and log index: a reassignment of the same
 * request is another event (another ticket, another deadline).
 */
final class RequestEvent extends CoordinatorEvent<Requested> {
  static final String REQUESTED_TOPIC =
      EventEncoder.encode(InferenceCoordinator.INFERENCEREQUESTED_EVENT);
  static final String REASSIGNED_TOPIC = EventEncoder.encode(InferenceCoordinator.REASSIGNED_EVENT);

  private RequestEvent(Log log) {
    super(log, InferenceCoordinatorFacade::decode, "an InferenceRequested or Reassigned");
  }

  /** The event in a log delivered by the chain, or rebuilt from the store. */
  static RequestEvent of(Log log) {
    return new RequestEvent(delivered(log));
  }

  /** The indexed-topic value that selects events assigning requests to {@code provider}. */
  static String providerTopic(Address provider) {
    return "0x" + TypeEncoder.encode(new org.web3j.abi.datatypes.Address(provider.value()));
  }

  Requested requested() {
    return decoded();
  }

  @Override
  long requestId() {
    return decoded().id();
  }

  boolean reassignment() {
    return REASSIGNED_TOPIC.equals(topics().get(0));
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
                    log())
                .getNonIndexedValues()
                .get(0);
    return binding.fulfil(BigInteger.valueOf(requestId()), ticket, output).encodeFunctionCall();
  }
}
