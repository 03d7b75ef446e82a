package io.verinfer.client;

import io.verinfer.protocol.Address;

/**
 * A provider reports a lane state this client never signed, or less than it is known to hold: it
 * lost its voucher ledger, another client signs with the same key from another state directory, or
 * it lies. The client does not sign on such a lane (that could pay for calls it never made) and
 * fails over. Fix: use one state directory per consumer key, or ask the provider's operator.
 */
public final class LaneConflictException extends ProviderUnavailableException {
  private static final long serialVersionUID = 1L;

  LaneConflictException(Address provider, String message) {
    super(provider, message, null);
  }
}
