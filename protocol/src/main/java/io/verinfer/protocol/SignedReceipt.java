package io.verinfer.protocol;

import java.util.Objects;

/**
 * A receipt with the provider's EIP-712 signature.
 *
 * @param receipt the signed receipt
 * @param signature the provider's signature over {@code receipt.digest(domain)}
 */
public record SignedReceipt(Receipt receipt, Signature signature) {
  /** Validates the fields. */
  public SignedReceipt {
    Objects.requireNonNull(receipt, "receipt must not be null");
    Objects.requireNonNull(signature, "signature must not be null");
  }

  /** Signs {@code receipt} in {@code domain}; {@code signer} must be the receipt's provider. */
  public static SignedReceipt sign(Receipt receipt, Eip712Domain domain, Signer signer) {
    Objects.requireNonNull(receipt, "receipt must not be null");
    Objects.requireNonNull(domain, "domain must not be null");
    Objects.requireNonNull(signer, "signer must not be null");
    if (!signer.address().equals(receipt.provider())) {
      throw new IllegalArgumentException(
          "signer "
              + signer.address()
              + " is not the receipt provider "
              + receipt.provider()
              + "; only the provider may sign a receipt");
    }
    return new SignedReceipt(receipt, signer.sign(receipt.digest(domain)));
  }

  /** Whether the signature recovers to the receipt's provider in {@code domain}. */
  public boolean verify(Eip712Domain domain) {
    return SignatureVerifier.recover(receipt.digest(domain), signature)
        .filter(receipt.provider()::equals)
        .isPresent();
  }
}
