package io.verinfer.protocol;

import java.util.Objects;

/**
 * A voucher with the consumer's EIP-712 signature.
 *
 * @param voucher the signed voucher
 * @param signature the consumer's signature over {@code voucher.digest(domain)}
 */
public record SignedVoucher(Voucher voucher, Signature signature) {
  /** Validates the fields. */
  public SignedVoucher {
    Objects.requireNonNull(voucher, "voucher must not be null");
    Objects.requireNonNull(signature, "signature must not be null");
  }

  /** Signs {@code voucher} in {@code domain}; {@code signer} must be the voucher's consumer. */
  public static SignedVoucher sign(Voucher voucher, Eip712Domain domain, Signer signer) {
    Objects.requireNonNull(voucher, "voucher must not be null");
    Objects.requireNonNull(domain, "domain must not be null");
    Objects.requireNonNull(signer, "signer must not be null");
    if (!signer.address().equals(voucher.consumer())) {
      throw new IllegalArgumentException(
          "signer "
              + signer.address()
              + " is not the voucher consumer "
              + voucher.consumer()
              + "; only the consumer may sign a voucher");
    }
    return new SignedVoucher(voucher, signer.sign(voucher.digest(domain)));
  }

  /** Whether the signature recovers to the voucher's consumer in {@code domain}. */
  public boolean verify(Eip712Domain domain) {
    return SignatureVerifier.recover(voucher.digest(domain), signature)
        .filter(voucher.consumer()::equals)
        .isPresent();
  }
}
