package io.verinfer.node.payment;

import io.verinfer.protocol.Address;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.VerinferException;
import io.verinfer.protocol.Voucher;

/**
 * The checks every paid call's voucher passes before its lane's rules see it, whether it pays for a
 * tensor call ({@link VoucherGate}) or a text stream ({@link TextPaymentRules}): the header parses,
 * the voucher pays this node for this model, and its consumer signed it; and the one way a
 * consumer's deposit is read for them.
 */
final class VoucherChecks {
  private VoucherChecks() {}

  /**
   * The voucher in {@code header} (present), checked to pay {@code provider} for {@code modelId}
   * (served as {@code modelName}) and signed by its consumer in {@code domain}.
   *
   * @throws VerinferException {@code MALFORMED_VOUCHER}, {@code WRONG_LANE} or {@code
   *     INVALID_VOUCHER_SIGNATURE}, naming the voucher header
   */
  static SignedVoucher signedFor(
      String header, Address provider, ModelId modelId, String modelName, Eip712Domain domain) {
    SignedVoucher signed;
    try {
      signed = PaymentHeaders.decodeVoucher(header);
    } catch (IllegalArgumentException e) {
      throw refuse(
          ErrorCode.MALFORMED_VOUCHER, "the voucher header is malformed: " + e.getMessage());
    }
    Voucher v = signed.voucher();
    if (!v.provider().equals(provider)) {
      throw refuse(
          ErrorCode.WRONG_LANE,
          "the voucher pays provider " + v.provider() + ", not this node (" + provider + ")");
    }
    if (!v.modelId().equals(modelId)) {
      throw refuse(
          ErrorCode.WRONG_LANE,
          "the voucher is for model id "
              + v.modelId()
              + ", but "
              + modelName
              + " is model id "
              + modelId);
    }
    if (!signed.verify(domain)) {
      throw refuse(
          ErrorCode.INVALID_VOUCHER_SIGNATURE,
          "the voucher is not signed by its consumer "
              + v.consumer()
              + " for chain "
              + domain.chainId());
    }
    return signed;
  }

  /**
   * {@code consumer}'s on-chain deposit.
   *
   * @throws VerinferException {@code CHAIN_UNAVAILABLE} when the chain cannot be read
   */
  static TokenAmount depositOf(DepositView deposits, Address consumer) {
    try {
      return deposits.depositOf(consumer);
    } catch (io.verinfer.chain.tx.ChainException e) {
      throw new VerinferException(
          ErrorCode.CHAIN_UNAVAILABLE,
          PaymentHeaders.VOUCHER,
          "this node cannot read consumer "
              + consumer
              + "'s deposit right now (the chain is unreachable); try again or another provider",
          e);
    }
  }

  static VerinferException refuse(ErrorCode code, String message) {
    return new VerinferException(code, PaymentHeaders.VOUCHER, message);
  }
}
