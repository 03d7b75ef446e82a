package io.verinfer.node.payment;

import io.javalin.http.Context;
import io.verinfer.node.api.PaymentGate;
import io.verinfer.node.ledger.Lane;
import io.verinfer.node.ledger.VoucherLedger;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.PaymentHeaders;
import io.verinfer.protocol.Receipt;
import io.verinfer.protocol.SignedReceipt;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.Signer;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.VerinferException;
import io.verinfer.protocol.Voucher;
import io.verinfer.runtime.ModelSpec;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Paid calls. A call carries the consumer's newest voucher for its lane in the {@value
 * PaymentHeaders#VOUCHER} header; the gate checks, in order: the header parses; the voucher pays
 * this node for this model; the consumer signed it (EIP-712, the contract's rules); it advances the
 * lane by exactly one call; it adds at least the price; and the consumer's on-chain deposit covers
 * everything this node holds unredeemed for that consumer plus this call. Nothing is charged or
 * stored until the model has answered; then the voucher is committed to the ledger (durably) and
 * the answer carries the provider's signed receipt in {@value PaymentHeaders#RECEIPT}. Calls on one
 * lane are serialised (a lane is a sequence of vouchers).
 */
public final class VoucherGate implements PaymentGate {
  /** A served model's on-chain id and its price per call. */
  public record Offer(ModelId modelId, TokenAmount pricePerCall) {}

  private final Signer provider;
  private final Eip712Domain domain;
  private final VoucherLedger ledger;
  private final DepositView deposits;
  private final Function<String, Optional<Offer>> offers;
  private final Map<Lane, ReentrantLock> laneLocks = new ConcurrentHashMap<>();

  public VoucherGate(
      Signer provider,
      Eip712Domain domain,
      VoucherLedger ledger,
      DepositView deposits,
      Function<String, Optional<Offer>> offers) {
    this.provider = provider;
    this.domain = domain;
    this.ledger = ledger;
    this.deposits = deposits;
    this.offers = offers;
  }

  @Override
  public Hold authorize(Context ctx, ModelSpec model) {
    Offer offer =
        offers
            .apply(model.name())
            .orElseThrow(
                () ->
                    new VerinferException(
                        ErrorCode.UNKNOWN_MODEL,
                        "model",
                        "model '" + model.name() + "' has no price here"));
    String header = ctx.header(PaymentHeaders.VOUCHER);
    if (header == null || header.isBlank()) {
      throw refuse(
          ErrorCode.PAYMENT_REQUIRED,
          "this call costs "
              + offer.pricePerCall()
              + " base units: send a voucher in the "
              + PaymentHeaders.VOUCHER
              + " header");
    }
    SignedVoucher signed;
    try {
      signed = PaymentHeaders.decodeVoucher(header);
    } catch (IllegalArgumentException e) {
      throw refuse(
          ErrorCode.MALFORMED_VOUCHER, "the voucher header is malformed: " + e.getMessage());
    }
    Voucher v = signed.voucher();
    if (!v.provider().equals(provider.address())) {
      throw refuse(
          ErrorCode.WRONG_LANE,
          "the voucher pays provider "
              + v.provider()
              + ", not this node ("
              + provider.address()
              + ")");
    }
    if (!v.modelId().equals(offer.modelId())) {
      throw refuse(
          ErrorCode.WRONG_LANE,
          "the voucher is for model id "
              + v.modelId()
              + ", but "
              + model.name()
              + " is model id "
              + offer.modelId());
    }
    if (!signed.verify(domain)) {
      throw refuse(
          ErrorCode.INVALID_VOUCHER_SIGNATURE,
          "the voucher is not signed by its consumer "
              + v.consumer()
              + " for chain "
              + domain.chainId());
    }
    Lane lane = Lane.of(v);
    ReentrantLock lock = laneLocks.computeIfAbsent(lane, l -> new ReentrantLock());
    lock.lock();
    try {
      check(signed, lane, offer);
    } catch (RuntimeException e) {
      lock.unlock();
      throw e;
    }
    return new VoucherHold(signed, lock);
  }

  private void check(SignedVoucher signed, Lane lane, Offer offer) {
    Voucher v = signed.voucher();
    Optional<Voucher> last = ledger.latest(lane).map(SignedVoucher::voucher);
    long lastCalls = last.map(Voucher::cumulativeCalls).orElse(0L);
    TokenAmount lastAmount = last.map(Voucher::cumulativeAmount).orElse(TokenAmount.ZERO);
    if (v.cumulativeCalls() <= lastCalls || v.cumulativeAmount().compareTo(lastAmount) < 0) {
      throw refuse(
          ErrorCode.STALE_VOUCHER,
          "the voucher ("
              + v.cumulativeCalls()
              + " calls) is not newer than this lane's last ("
              + lastCalls
              + " calls, "
              + lastAmount
              + "); sign the next one");
    }
    if (v.cumulativeCalls() != lastCalls + 1) {
      throw refuse(
          ErrorCode.VOUCHER_SKIPS_CALLS,
          "each paid call advances the lane by one call: expected "
              + (lastCalls + 1)
              + " calls, got "
              + v.cumulativeCalls());
    }
    TokenAmount increment = v.cumulativeAmount().minus(lastAmount);
    if (increment.compareTo(offer.pricePerCall()) < 0) {
      throw refuse(
          ErrorCode.VOUCHER_BELOW_PRICE,
          "the voucher adds " + increment + " base units; this call costs " + offer.pricePerCall());
    }
    TokenAmount owed = ledger.unredeemedBy(v.consumer()).plus(increment);
    TokenAmount deposit;
    try {
      deposit = deposits.depositOf(v.consumer());
    } catch (io.verinfer.chain.tx.ChainException e) {
      throw new VerinferException(
          ErrorCode.CHAIN_UNAVAILABLE,
          PaymentHeaders.VOUCHER,
          "this node cannot read consumer "
              + v.consumer()
              + "'s deposit right now (the chain is"
              + " unreachable); try again or another provider");
    }
    if (owed.compareTo(deposit) > 0) {
      throw refuse(
          ErrorCode.INSUFFICIENT_DEPOSIT,
          "consumer "
              + v.consumer()
              + " has "
              + deposit
              + " base units deposited, but this node would hold "
              + owed
              + " unredeemed; deposit more");
    }
  }

  private static VerinferException refuse(ErrorCode code, String message) {
    return new VerinferException(code, PaymentHeaders.VOUCHER, message);
  }

  private final class VoucherHold implements Hold {
    private final SignedVoucher voucher;
    private final ReentrantLock lock;
    private boolean closed;

    VoucherHold(SignedVoucher voucher, ReentrantLock lock) {
      this.voucher = voucher;
      this.lock = lock;
    }

    @Override
    public Map<String, String> settle(Bytes32 inputHash, Bytes32 outputHash) {
      ledger.accept(voucher); // durable before the reply
      Voucher v = voucher.voucher();
      Receipt receipt =
          new Receipt(
              v.consumer(),
              v.provider(),
              v.modelId(),
              inputHash,
              outputHash,
              v.cumulativeAmount(),
              v.cumulativeCalls());
      return Map.of(
          PaymentHeaders.RECEIPT,
          PaymentHeaders.encode(SignedReceipt.sign(receipt, domain, provider)));
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        lock.unlock();
      }
    }
  }
}
