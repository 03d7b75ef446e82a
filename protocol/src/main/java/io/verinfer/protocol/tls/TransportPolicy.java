package io.verinfer.protocol.tls;

import java.net.URI;
import java.util.Locale;

/**
 * Whether a client may talk plain HTTP to a provider: only on the devnet (chain id 31337), or
 * anywhere when {@code allowPlainHttp} says so explicitly (a provider behind a TLS-terminating
 * proxy the operator trusts, say). HTTPS to a provider always needs its registered key.
 */
public record TransportPolicy(long chainId, boolean allowPlainHttp) {
  /** The devnet's chain id, where plain HTTP to providers stays allowed. */
  public static final long DEVNET_CHAIN_ID = 31_337L;

  /** The name of the switch in the SDK, gateway and node configuration, for error messages. */
  public static final String SWITCH = "allowPlainHttpProviders";

  /** Whether plain HTTP to a provider is allowed under this policy. */
  public boolean plainHttpAllowed() {
    return allowPlainHttp || chainId == DEVNET_CHAIN_ID;
  }

  /** The same switch on the command line ({@code verinfer gateway}, {@code infer}, …). */
  public static final String FLAG = "--allow-plain-http-providers";

  /**
   * Refuses a plain {@code http} endpoint unless allowed.
   *
   * @throws PlainHttpRefusedException naming the endpoint, the chain and the switch
   */
  public void check(URI endpoint) throws PlainHttpRefusedException {
    check(endpoint, null);
  }

  /**
   * Refuses a plain {@code http} endpoint of {@code provider} (its address, named in the error; may
   * be null) unless allowed.
   *
   * @throws PlainHttpRefusedException naming the provider, its endpoint, the chain and the switch
   */
  public void check(URI endpoint, Object provider) throws PlainHttpRefusedException {
    String scheme =
        endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("http") && !plainHttpAllowed()) {
      throw new PlainHttpRefusedException(
          "refusing plain HTTP to "
              + (provider == null ? "provider endpoint " : "provider " + provider + " at ")
              + endpoint
              + " on chain "
              + chainId
              + ": only the devnet (chain "
              + DEVNET_CHAIN_ID
              + ") allows it unless "
              + SWITCH
              + " (command line: "
              + FLAG
              + ") is set");
    }
  }

  /** A provider endpoint refused because it is plain HTTP off the devnet. */
  public static final class PlainHttpRefusedException extends java.io.IOException {
    private static final long serialVersionUID = 1L;

    PlainHttpRefusedException(String message) {
      super(message);
    }
  }
}
