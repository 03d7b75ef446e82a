package io.verinfer.protocol;

/**
 * Holds a secp256k1 key and signs 32-byte digests with it. The key stays inside: callers only see
 * the address. Implementations sign the digest as given (no {@code "\x19Ethereum Signed Message"}
 * prefix) and return canonical low-s signatures with {@code v} 27 or 28, so every result verifies
 * with OpenZeppelin's {@code ECDSA.recover} and has an EIP-2098 compact form.
 */
public interface Signer {
  /** The address of the key. */
  Address address();

  /** Signs {@code digest} directly. */
  Signature sign(Bytes32 digest);
}
