package io.verinfer.protocol.tls;

import io.verinfer.protocol.Bytes32;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A provider's TLS key as the ProviderRegistry records it: SHA-256 of the DER {@code
 * SubjectPublicKeyInfo} of its certificate (the same pin as {@code curl --pinnedpubkey sha256//…}
 * and HPKP). Pinning the key rather than the certificate lets a provider re-issue its self-signed
 * certificate with the same key without a transaction; a new key goes through {@code
 * ProviderRegistry.updateEndpoint}.
 *
 * <p>{@link #sslContext()} trusts exactly this key: no certificate authority, no host name check
 * (the on-chain pin is the identity), anything else refused with {@link PinMismatchException}.
 */
public record TlsPin(Bytes32 spkiSha256) {
  public TlsPin {
    Objects.requireNonNull(spkiSha256, "spkiSha256 must not be null");
    if (spkiSha256.equals(Bytes32.ZERO)) {
      throw new IllegalArgumentException("spkiSha256 must not be zero (no TLS key registered)");
    }
  }

  /** The pin of {@code certificate}'s public key. */
  public static TlsPin of(X509Certificate certificate) {
    return new TlsPin(spkiSha256(certificate));
  }

  /** SHA-256 of {@code certificate}'s DER SubjectPublicKeyInfo. */
  public static Bytes32 spkiSha256(X509Certificate certificate) {
    try {
      return Bytes32.of(
          MessageDigest.getInstance("SHA-256").digest(certificate.getPublicKey().getEncoded()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** A client TLS context accepting a server only if its leaf key hashes to this pin. */
  public SSLContext sslContext() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new PinnedTrustManager(this)}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build a TLS context", e);
    }
  }

  @Override
  public String toString() {
    return "sha256/" + spkiSha256;
  }

  /** The server's key is not the pinned one: a man in the middle, or a key not yet registered. */
  public static final class PinMismatchException extends CertificateException {
    private static final long serialVersionUID = 1L;

    PinMismatchException(String message) {
      super(message);
    }
  }

  /**
   * Extends {@link X509ExtendedTrustManager} so that JSSE does not add its own host name check: the
   * registered key is the identity, whatever host or IP the endpoint names.
   */
  private static final class PinnedTrustManager extends X509ExtendedTrustManager {
    private final TlsPin pin;

    PinnedTrustManager(TlsPin pin) {
      this.pin = pin;
    }

    private void check(X509Certificate[] chain) throws CertificateException {
      if (chain == null || chain.length == 0) {
        throw new PinMismatchException("the server presented no certificate");
      }
      Bytes32 presented = spkiSha256(chain[0]);
      if (!presented.equals(pin.spkiSha256())) {
        throw new PinMismatchException(
            "TLS key mismatch: the server presented key sha256/"
                + presented
                + " but the provider registered sha256/"
                + pin.spkiSha256()
                + " on-chain (a man in the middle, or a key rotated without updateEndpoint);"
                + " refusing to connect");
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("a pinning client trusts no client certificates");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
