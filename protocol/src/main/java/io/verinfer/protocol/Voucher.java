package io.verinfer.protocol;

import java.util.Objects;

/**
 * A consumer's cumulative promise to pay one provider for one model: the lane (consumer, provider,
 * modelId) has been used {@code cumulativeCalls} times for {@code cumulativeAmount} in total.
 * Signed by the consumer with EIP-712; the newest voucher of a lane supersedes all older ones, so
 * no nonce is needed.
 *
 * @param consumer who pays and signs
 * @param provider who serves and redeems
 * @param modelId the model served
 * @param cumulativeAmount total owed on this lane so far; fits {@code uint128}
 * @param cumulativeCalls total calls on this lane so far; not negative
 */
public record Voucher(
    Address consumer,
    Address provider,
    ModelId modelId,
    TokenAmount cumulativeAmount,
    long cumulativeCalls) {

  /** The EIP-712 type string, identical to the Solidity {@code VOUCHER_TYPEHASH} preimage. */
  public static final String TYPE =
      "Voucher(address consumer,address provider,uint64 modelId,uint128 cumulativeAmount,"
          + "uint64 cumulativeCalls)";

  /** {@code keccak256(TYPE)}. */
  public static final Bytes32 TYPEHASH = Eip712Struct.typeHash(TYPE);

  /** Validates the fields. */
  public Voucher {
    Objects.requireNonNull(consumer, "consumer must not be null");
    Objects.requireNonNull(provider, "provider must not be null");
    Objects.requireNonNull(modelId, "modelId must not be null");
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
   * {@code keccak256(abi.encode(TYPEHASH, consumer, provider, modelId, cumulativeAmount,
   * cumulativeCalls))}.
   */
  public Bytes32 structHash() {
    return Eip712Struct.of(TYPEHASH)
        .address(consumer)
        .address(provider)
        .uint(modelId.value())
        .uint(cumulativeAmount.baseUnits())
        .uint(cumulativeCalls)
        .hash();
  }

  /** The digest the consumer signs in {@code domain}. */
  public Bytes32 digest(Eip712Domain domain) {
    return Objects.requireNonNull(domain, "domain must not be null").digest(structHash());
  }
}
