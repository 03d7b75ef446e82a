package io.verinfer.client;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.text.TextRequest;
import java.util.Optional;

/**
 * A text stream's provider sent something that does not check out: a checkpoint signed by someone
 * else, over other tokens than it sent, for another input, or for an amount other than the tokens'
 * price; or an event that breaks the stream protocol. The stream ends there and nothing more is
 * paid: the client paid only up to the last checkpoint that checked out. Keep the evidence: the
 * checkpoint as received, the tokens received and the request the client computed.
 */
public final class InvalidCheckpointException extends InferenceException {
  private static final long serialVersionUID = 1L;

  private final transient Address provider;
  private final transient SignedReceipt checkpoint;
  private final transient TextRequest request;
  private final int[] tokens;

  InvalidCheckpointException(
      Address provider,
      String reason,
      SignedReceipt checkpoint,
      TextRequest request,
      int[] tokens) {
    super("provider " + provider + " streamed, but " + reason);
    this.provider = provider;
    this.checkpoint = checkpoint;
    this.request = request;
    this.tokens = tokens.clone();
  }

  /** The provider that streamed. */
  public Address provider() {
    return provider;
  }

  /** The checkpoint that failed, when one was decoded. */
  public Optional<SignedReceipt> checkpoint() {
    return Optional.ofNullable(checkpoint);
  }

  /** The request as the client computed it (prompt ids from the provider, its own parameters). */
  public Optional<TextRequest> request() {
    return Optional.ofNullable(request);
  }

  /** The completion tokens received up to the failure. */
  public int[] tokens() {
    return tokens.clone();
  }
}
