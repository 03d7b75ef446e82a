package io.verinfer.client;

import io.verinfer.protocol.Address;

/**
 * One provider could not serve a call: unreachable, too slow, failing with a 5xx, or its lane
 * disagrees with this client's records. The client fails over to the next provider; these are
 * collected in {@link NoProviderAvailableException#failures()} when every attempt failed.
 */
public class ProviderUnavailableException extends InferenceException {
  private static final long serialVersionUID = 1L;

  private final transient Address provider;

  ProviderUnavailableException(Address provider, String message, Throwable cause) {
    super("provider " + provider + ": " + message, cause);
    this.provider = provider;
  }

  /** The provider that failed. */
  public Address provider() {
    return provider;
  }
}
