package io.verinfer.node.disputes;

import io.verinfer.protocol.Bytes32;

/**
 * This node's part in one dispute whose committee it sits on, as {@link SqliteDutyStore} keeps it.
 *
 * @param drawnBlock the block of the {@code CommitteeDrawn} event (the dispute was opened before)
 * @param secret the vote and salt, once chosen; kept until the reveal
 * @param note why the duty ended when it ended without a reveal, else null
 */
public record Duty(long disputeId, long drawnBlock, State state, Secret secret, String note) {
  /** How far the duty got. */
  public enum State {
    /** Drawn; nothing voted yet. */
    DRAWN,
    /** Vote and salt chosen and stored; the commit may or may not be on-chain yet. */
    VOTED,
    /** The chain holds the commitment. */
    COMMITTED,
    /** The chain holds the revealed vote. */
    REVEALED,
    /** The dispute was resolved after this node revealed. */
    CLOSED,
    /** The node could not judge (e.g. it does not serve the model) and cast no vote. */
    ABSTAINED,
    /** A deadline passed, or the salt of an on-chain commitment is not here: no reveal. */
    MISSED;

    /** Whether the duty still has something to do. */
    public boolean open() {
      return this == DRAWN || this == VOTED || this == COMMITTED || this == REVEALED;
    }
  }

  /** A vote and the salt that hides it. Its string form shows neither (logs must not). */
  public record Secret(int vote, Bytes32 salt) {
    public Secret {
      if (vote < 0 || vote > 0xff) {
        throw new IllegalArgumentException("vote must fit uint8, got " + vote);
      }
      java.util.Objects.requireNonNull(salt, "salt");
    }

    @Override
    public String toString() {
      return "Secret[hidden]";
    }
  }

  public Duty {
    java.util.Objects.requireNonNull(state, "state");
  }
}
