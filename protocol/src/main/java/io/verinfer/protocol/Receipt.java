package io.verinfer.protocol;

import java.util.Objects;

/**
 * A provider's signed statement that it produced {@code outputHash} for {@code inputHash} on the
 * lane (consumer, provider, modelId) at the given cumulative totals. A receipt with a wrong output
 * is the provider's own proof of fraud.
 *
 * @param consumer who paid
 * @param provider who served and signs
 * @param modelId the model served
 * @param inputHash hash of the canonical request
 * @param outputHash hash of the canonical response
 * @param cumulativeAmount total owed on this lane including this call; fits {@code uint128}
 * @param cumulativeCalls total calls on this lane including this call; not negative
 */
public record Receipt(
    Address consumer,
    Address provider,
    ModelId modelId,
    Bytes32 inputHash,
    Bytes32 outputHash,
    TokenAmount cumulativeAmount,
    long cumulativeCalls) {

  /** The EIP-712 type string, identical to the Solidity {@code RECEIPT_TYPEHASH} preimage. */
  public static final String TYPE =
      "Receipt(address consumer,address provider,uint64 modelId,bytes32 inputHash,"
          + "bytes32 outputHash,uint128 cumulativeAmount,uint64 cumulativeCalls)";

  /** {@code keccak256(TYPE)}. */
  public static final Bytes32 TYPEHASH = Eip712Struct.typeHash(TYPE);

  /** Validates the fields. */
  public Receipt {
    Objects.requireNonNull(consumer, "consumer must not be null");
    Objects.requireNonNull(provider, "provider must not be null");
    Objects.requireNonNull(modelId, "modelId must not be null");
    Objects.requireNonNull(inputHash, "inputHash must not be null");
    Objects.requireNonNull(outputHash, "outputHash must not be null");
    Objects.requireNonNull(cumulativeAmount, "cumulativeAmount must not be null");
    if (!cumulativeAmount.fitsUint128()) {
      throw new IllegalArgumentException(
          "cumulativeAmount must fit uint128 (at most 2^128-1), got " + cumulativeAmount);
    }
    if (cumulativeCalls < 0) {
      throw new IllegalArgumentException(
          "cumulativeCalls must not be negative, got " + cumulativeCalls);
    }
  }

  /**
   * {@code keccak256(abi.encode(TYPEHASH, consumer, provider, modelId, inputHash, outputHash,
   * cumulativeAmount, cumulativeCalls))}.
   */
  public Bytes32 structHash() {
    return Eip712Struct.of(TYPEHASH)
        .address(consumer)
        .address(provider)
        .uint(modelId.value())
        .bytes32(inputHash)
        .bytes32(outputHash)
        .uint(cumulativeAmount.baseUnits())
        .uint(cumulativeCalls)
        .hash();
  }

  /** The digest the provider signs in {@code domain}. */
  public Bytes32 digest(Eip712Domain domain) {
    return Objects.requireNonNull(domain, "domain must not be null").digest(structHash());
  }
}
