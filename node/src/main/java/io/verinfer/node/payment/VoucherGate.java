package io.verinfer.node.payment;

import io.javalin.http.Context;
import io.verinfer.node.api.PaymentGate;
import io.verinfer.node.ledger.Lane;
import io.verinfer.node.ledger.VoucherLedger;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.LaneWindow;
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
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Paid calls. A call carries the consumer's voucher for this call in the {@value
 * PaymentHeaders#VOUCHER} header; the gate checks, in order: the header parses; the voucher pays
 * this node for this model; the consumer signed it (EIP-712, the contract's rules); the lane's
 * rules admit it ({@link LaneWindow}: a new call paying at least the price for itself and every
 * call it skips, or a paid-for gap); no other call is using that voucher right now; and the
 * consumer's on-chain deposit covers everything this node holds unredeemed for that consumer plus
 * what the calls in flight may add. Nothing is charged or stored until the model has answered; then
 * the call is committed to the ledger (durably, group-committed with the calls answered meanwhile)
 * and the answer carries the provider's signed receipt in {@value PaymentHeaders#RECEIPT}.
 *
 * <p>Calls of one lane run concurrently: the gate serialises only the admission bookkeeping (a few
 * map operations), never the model run or the durable write.
 */
public final class VoucherGate implements PaymentGate {
  /** A served model's on-chain id and its price per call. */
  public record Offer(ModelId modelId, TokenAmount pricePerCall) {}

  private final Signer provider;
  private final Eip712Domain domain;
  private final VoucherLedger ledger;
  private final DepositView deposits;
  private final Function<String, Optional<Offer>> offers;
  private final TermsGuard terms;
  private final InFlight inFlight = new InFlight();

  public VoucherGate(
      Signer provider,
      Eip712Domain domain,
      VoucherLedger ledger,
      DepositView deposits,
      Function<String, Optional<Offer>> offers,
      TermsGuard terms) {
    this.provider = provider;
    this.domain = domain;
    this.ledger = ledger;
    this.deposits = deposits;
    this.offers = offers;
    this.terms = terms;
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
    terms.check(offer.modelId()); // a model whose terms changed for worse is not served
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
    SignedVoucher signed =
        VoucherChecks.signedFor(header, provider.address(), offer.modelId(), model.name(), domain);
    Voucher v = signed.voucher();
    Lane lane = Lane.of(v);
    ledger.lane(lane).admit(v, offer.pricePerCall()); // refuse early, before asking the chain
    TokenAmount deposit = depositOf(v.consumer());
    inFlight.admit(lane, v, offer.pricePerCall(), deposit);
    return new VoucherHold(signed, offer.pricePerCall());
  }

  private TokenAmount depositOf(Address consumer) {
    return VoucherChecks.depositOf(deposits, consumer);
  }

  /**
   * The calls admitted but not yet answered, per consumer and lane (call number → what it adds to
   * its lane). A consumer's exposure is what the ledger holds unredeemed plus, per lane, the
   * largest addition in flight: the newest voucher a lane can end with adds at most that much
   * (vouchers are cumulative), so the check is never short, and at most what the calls in flight on
   * other lanes add beyond the strict minimum.
   */
  private final class InFlight {
    private final Map<Address, Map<Lane, Map<Long, TokenAmount>>> calls = new HashMap<>();

    synchronized void admit(Lane lane, Voucher v, TokenAmount price, TokenAmount deposit) {
      TokenAmount increment = ledger.lane(lane).admit(v, price);
      Map<Lane, Map<Long, TokenAmount>> lanes =
          calls.computeIfAbsent(v.consumer(), c -> new HashMap<>());
      Map<Long, TokenAmount> flying = lanes.computeIfAbsent(lane, l -> new HashMap<>());
      if (flying.containsKey(v.cumulativeCalls())) {
        forget(lane, v.consumer(), lanes, flying);
        throw refuse(
            ErrorCode.STALE_VOUCHER,
            "call #"
                + v.cumulativeCalls()
                + " on this lane is being answered right now; sign the next one");
      }
      flying.put(v.cumulativeCalls(), increment);
      TokenAmount owed = ledger.unredeemedBy(v.consumer());
      for (Map<Long, TokenAmount> onLane : lanes.values()) {
        owed = owed.plus(onLane.values().stream().max(TokenAmount::compareTo).orElseThrow());
      }
      if (owed.compareTo(deposit) > 0) {
        flying.remove(v.cumulativeCalls());
        forget(lane, v.consumer(), lanes, flying);
        throw refuse(
            ErrorCode.INSUFFICIENT_DEPOSIT,
            "consumer "
                + v.consumer()
                + " has "
                + deposit
                + " base units deposited, but this node would hold up to "
                + owed
                + " unredeemed; deposit more");
      }
    }

    synchronized void done(Voucher v) {
      Lane lane = Lane.of(v);
      Map<Lane, Map<Long, TokenAmount>> lanes = calls.get(v.consumer());
      Map<Long, TokenAmount> flying = lanes == null ? null : lanes.get(lane);
      if (flying != null) {
        flying.remove(v.cumulativeCalls());
        forget(lane, v.consumer(), lanes, flying);
      }
    }

    private void forget(
        Lane lane,
        Address consumer,
        Map<Lane, Map<Long, TokenAmount>> lanes,
        Map<Long, TokenAmount> flying) {
      if (flying.isEmpty()) {
        lanes.remove(lane);
        if (lanes.isEmpty()) {
          calls.remove(consumer);
        }
      }
    }
  }

  private static VerinferException refuse(ErrorCode code, String message) {
    return VoucherChecks.refuse(code, message);
  }

  private final class VoucherHold implements Hold {
    private final SignedVoucher voucher;
    private final TokenAmount price;
    private boolean closed;

    VoucherHold(SignedVoucher voucher, TokenAmount price) {
      this.voucher = voucher;
      this.price = price;
    }

    @Override
    public Map<String, String> settle(Bytes32 inputHash, Bytes32 outputHash) {
      ledger.serve(voucher, price); // durable before the reply; re-checks the lane's rules
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
        inFlight.done(voucher.voucher());
      }
    }
  }
}
