package io.verinfer.client;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.TokenAmount;
import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/**
 * A provider eligible to serve a model, where it listens and what it charges per call, as the
 * ProviderRegistry records it.
 *
 * @param provider the provider's account (it signs receipts and redeems vouchers)
 * @param endpoint the provider's absolute http(s) base URL
 * @param price the price per call in base units
 * @param tlsFingerprint the provider's registered TLS key pin ({@link Bytes32#ZERO}: none)
 */
public record ProviderOffer(
    Address provider, URI endpoint, TokenAmount price, Bytes32 tlsFingerprint) {
  /** An offer without a registered TLS key. */
  public ProviderOffer(Address provider, URI endpoint, TokenAmount price) {
    this(provider, endpoint, price, Bytes32.ZERO);
  }

  /** Validates the fields. */
  public ProviderOffer {
    Objects.requireNonNull(provider, "provider must not be null");
    Objects.requireNonNull(endpoint, "endpoint must not be null");
    Objects.requireNonNull(price, "price must not be null");
    Objects.requireNonNull(tlsFingerprint, "tlsFingerprint must not be null");
    String scheme =
        endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
    if (!endpoint.isAbsolute()
        || !(scheme.equals("http") || scheme.equals("https"))
        || endpoint.getHost() == null) {
      throw new IllegalArgumentException(
          "endpoint must be an absolute http(s) URL with a host, got '" + endpoint + "'");
    }
    if (!price.fitsUint128()) {
      throw new IllegalArgumentException("price must fit uint128, got " + price);
    }
  }

  /** The registered TLS key pin, if the provider registered one. */
  java.util.Optional<io.verinfer.protocol.tls.TlsPin> pin() {
    return tlsFingerprint.equals(Bytes32.ZERO)
        ? java.util.Optional.empty()
        : java.util.Optional.of(new io.verinfer.protocol.tls.TlsPin(tlsFingerprint));
  }

  /** {@code endpoint} joined with {@code path} (which starts with a slash). */
  URI resolve(String path) {
    String base = endpoint.toString();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return URI.create(base + path);
  }
}
