package io.verinfer.client;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.SignedReceipt;
import java.util.Optional;

/**
 * A provider answered the call but its answer does not check out: no or a malformed receipt, a
 * signature that is not the provider's, values other than the voucher sent, or hashes that do not
 * match the inputs or the outputs. The provider kept the voucher, so the call is paid; it is not
 * retried elsewhere (that would pay twice). Keep {@link #receipt()}: a receipt signed by the
 * provider over a wrong output is evidence for a dispute.
 */
public final class InvalidReceiptException extends InferenceException {
  private static final long serialVersionUID = 1L;

  private final transient Address provider;
  private final transient SignedReceipt receipt;
  private final String body;

  InvalidReceiptException(Address provider, String reason, SignedReceipt receipt, String body) {
    super("provider " + provider + " answered, but " + reason);
    this.provider = provider;
    this.receipt = receipt;
    this.body = body;
  }

  /** The provider that answered. */
  public Address provider() {
    return provider;
  }

  /** The receipt as received, when one could be decoded. */
  public Optional<SignedReceipt> receipt() {
    return Optional.ofNullable(receipt);
  }

  /** The response body as received. */
  public String body() {
    return body;
  }
}
