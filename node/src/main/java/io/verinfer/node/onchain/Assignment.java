package io.verinfer.node.onchain;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Objects;

/**
 * One request assigned to this node (one {@code InferenceRequested} or {@code Reassigned} event),
 * as {@link SqliteRequestStore} keeps it.
 *
 * @param event the event, as the chain wrote it
 * @param state how far the node got
 * @param fulfilTx the hash of the last fulfilment signed for it, once one was (kept in every later
 *     state), else null
 * @param fulfilNonce that transaction's nonce, else null
 * @param sentAt when it was signed (wall clock), else null
 * @param attempts fulfilment transactions signed and local model failures so far
 * @param note why the assignment ended as it did, or what went wrong last; null when nothing did
 */
record Assignment(
    RequestEvent event,
    State state,
    String fulfilTx,
    BigInteger fulfilNonce,
    Instant sentAt,
    int attempts,
    String note)
    implements CoordinatorSteps.Item {
  /** How far the node got; only {@link #SEEN} and {@link #SENT} have something left to do. */
  enum State {
    /** Recorded; no fulfilment on its way. */
    SEEN,
    /** A fulfilment was signed (and recorded before it was broadcast); not known mined yet. */
    SENT,
    /** This node's fulfilment was mined: the request is answered and paid. */
    DONE,
    /** The node gave up: the model refused the input, a fulfilment reverted, too many attempts. */
    FAILED,
    /** The deadline came, or the request was cancelled or reassigned, before a fulfilment. */
    EXPIRED,
    /** Not for this node to answer: a model it does not serve, or a mode it does not handle. */
    SKIPPED;

    boolean open() {
      return this == SEEN || this == SENT;
    }
  }

  Assignment {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(state, "state");
    if (state == State.SENT && (fulfilTx == null || fulfilNonce == null || sentAt == null)) {
      throw new IllegalArgumentException("a SENT assignment needs its transaction hash and nonce");
    }
  }

  @Override
  public String tx() {
    return fulfilTx;
  }

  @Override
  public BigInteger txNonce() {
    return fulfilNonce;
  }
}
