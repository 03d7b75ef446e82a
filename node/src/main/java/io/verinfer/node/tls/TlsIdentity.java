package io.verinfer.node.tls;

import io.verinfer.protocol.tls.TlsPin;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.TBSCertificate;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.asn1.x509.V3TBSCertificateGenerator;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A provider node's TLS key and self-signed certificate (ECDSA P-256). Clients do not need a
 * certificate authority: they pin the key registered on-chain ({@link #pin()}). Kept in a PKCS#12
 * file readable by its owner only (like a node key in Besu's data dir, the file mode is the
 * protection; its password is a constant since a password stored beside the file adds nothing).
 */
public final class TlsIdentity {
  private static final Logger LOG = LoggerFactory.getLogger(TlsIdentity.class);

  /** The PKCS#12 password; see the class comment. */
  static final char[] STORE_PASSWORD = "verinfer".toCharArray();

  static final String ALIAS = "verinfer-node";

  /** Generous: the pin is on the key, and clients ignore the dates (see {@link TlsPin}). */
  private static final Duration VALIDITY = Duration.ofDays(3650);

  private final PrivateKey key;
  private final X509Certificate certificate;

  private TlsIdentity(PrivateKey key, X509Certificate certificate) {
    this.key = key;
    this.certificate = certificate;
  }

  /** A fresh key and certificate kept in memory only (tests, unregistered nodes). */
  public static TlsIdentity generate() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair pair = generator.generateKeyPair();
      return new TlsIdentity(pair.getPrivate(), selfSigned(pair));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot generate a TLS key and certificate", e);
    }
  }

  /**
   * The identity in {@code file}, generated and written there (owner-only) when the file is
   * missing.
   */
  public static TlsIdentity loadOrCreate(Path file) {
    if (Files.exists(file)) {
      return load(file);
    }
    TlsIdentity fresh = generate();
    fresh.save(file);
    LOG.info("generated a new TLS key in {} (pin {})", file, fresh.pin());
    return fresh;
  }

  /** The identity in {@code file} (a WARN when others than its owner may read it). */
  public static TlsIdentity load(Path file) {
    warnIfReadableByOthers(file);
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, STORE_PASSWORD);
      if (!(store.getKey(ALIAS, STORE_PASSWORD) instanceof PrivateKey key)
          || !(store.getCertificate(ALIAS) instanceof X509Certificate cert)) {
        throw new IllegalArgumentException(
            file + " holds no TLS key and certificate under alias " + ALIAS);
      }
      return new TlsIdentity(key, cert);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the TLS key in " + file, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot read the TLS key in " + file, e);
    }
  }

  /** Writes this identity to {@code file} (atomically, owner read/write only). */
  public void save(Path file) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ".tls-", ".p12");
      try {
        setOwnerOnly(tmp);
        try (OutputStream out = Files.newOutputStream(tmp)) {
          keyStore().store(out, STORE_PASSWORD);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the TLS key to " + file, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot encode the TLS key", e);
    }
  }

  /** The file mode is the key's only protection: say so when it is looser than 600. */
  private static void warnIfReadableByOthers(Path file) {
    try {
      var loose =
          Files.getPosixFilePermissions(file).stream()
              .filter(p -> !p.name().startsWith("OWNER_"))
              .toList();
      if (!loose.isEmpty()) {
        LOG.warn(
            "the TLS key in {} is readable or writable by others than its owner ({}): chmod 600 {}",
            file,
            PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
            file);
      }
    } catch (UnsupportedOperationException | IOException e) {
      // no POSIX modes here (or unreadable attributes): nothing to check; reading will tell
    }
  }

  private static void setOwnerOnly(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      LOG.warn("cannot restrict {} to its owner on this file system", file);
    }
  }

  /** A key store holding this key and certificate, for the HTTPS server. */
  public KeyStore keyStore() throws GeneralSecurityException {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(
          ALIAS, key, STORE_PASSWORD, new java.security.cert.Certificate[] {certificate});
      return store;
    } catch (IOException e) {
      throw new IllegalStateException("cannot create an in-memory key store", e);
    }
  }

  /** The password of {@link #keyStore()}'s entry. */
  public String keyStorePassword() {
    return new String(STORE_PASSWORD);
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /** What the node registers on-chain as its {@code tlsFingerprint}. */
  public TlsPin pin() {
    return TlsPin.of(certificate);
  }

  private static X509Certificate selfSigned(KeyPair pair)
      throws GeneralSecurityException, IOException {
    Instant now = Instant.now();
    X500Name name = new X500Name("CN=verinfer-provider");
    AlgorithmIdentifier algorithm = new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);
    V3TBSCertificateGenerator tbs = new V3TBSCertificateGenerator();
    tbs.setSerialNumber(new ASN1Integer(new BigInteger(63, new SecureRandom())));
    tbs.setIssuer(name);
    tbs.setSubject(name);
    tbs.setStartDate(new Time(Date.from(now.minus(Duration.ofDays(1)))));
    tbs.setEndDate(new Time(Date.from(now.plus(VALIDITY))));
    tbs.setSubjectPublicKeyInfo(SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded()));
    tbs.setSignature(algorithm);
    TBSCertificate body = tbs.generateTBSCertificate();
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(pair.getPrivate());
    signer.update(body.getEncoded(ASN1Encoding.DER));
    ASN1EncodableVector cert = new ASN1EncodableVector();
    cert.add(body);
    cert.add(algorithm);
    cert.add(new DERBitString(signer.sign()));
    byte[] der = new DERSequence(cert).getEncoded(ASN1Encoding.DER);
    return (X509Certificate)
        CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }
}
