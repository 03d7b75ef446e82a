package io.verinfer.node.onchain;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Objects;

/**
 * One optimistic answer this node proposed (one {@code InferenceProposed} event), and how far its
 * settlement got, as {@link SqliteRequestStore} keeps it.
 *
 * @param event the event, as the chain wrote it
 * @param state how far the node got
 * @param settleTx the hash of the last {@code settle} signed for it, once one was (kept in every
 *     later state), else null
 * @param settleNonce that transaction's nonce, else null
 * @param sentAt when it was signed (wall clock), else null
 * @param attempts settle transactions signed so far
 * @param note why the proposal ended as it did, or what went wrong last; null when nothing did
 */
record Proposal(
    ProposalEvent event,
    State state,
    String settleTx,
    BigInteger settleNonce,
    Instant sentAt,
    int attempts,
    String note)
    implements CoordinatorSteps.Item {
  /** How far the node got; only {@link #WAITING} and {@link #SENT} have something left to do. */
  enum State {
    /** Recorded; waiting for the challenge window (or a dispute); no settle on its way. */
    WAITING,
    /** A settle was signed (and recorded before it was broadcast); not known mined yet. */
    SENT,
    /** This node's settle was mined: the answer delivered (or, after a lost dispute, rejected). */
    SETTLED,
    /** The request ended without this node's settle: someone else settled it first. */
    ENDED,
    /** The node gave up: a settle reverted or would revert for good, too many attempts. */
    FAILED;

    boolean open() {
      return this == WAITING || this == SENT;
    }
  }

  Proposal {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(state, "state");
    if (state == State.SENT && (settleTx == null || settleNonce == null || sentAt == null)) {
      throw new IllegalArgumentException("a SENT proposal needs its settle's hash and nonce");
    }
  }

  @Override
  public String tx() {
    return settleTx;
  }

  @Override
  public BigInteger txNonce() {
    return settleNonce;
  }
}
