package io.verinfer.chain.facade;

import io.verinfer.chain.bindings.PaymentChannels;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.Eip712Domain;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Receipt;
import io.verinfer.protocol.SignedVoucher;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.Voucher;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * PaymentChannels: deposits, delayed withdrawals, voucher redemption (single and batched) and
 * earnings. The fee rule and the fate of a voucher larger than the remaining deposit are documented
 * on the contract itself (contracts/src/PaymentChannels.sol).
 */
public final class PaymentChannelsFacade extends ContractFacade {
  /** What a lane has redeemed so far. */
  public record LaneState(TokenAmount amount, long calls) {}

  /** A consumer's pending withdrawal; {@code amount} zero when there is none. */
  public record PendingWithdrawal(TokenAmount amount, Instant readyAt, Instant expiresAt) {}

  private final PaymentChannels binding;
  private final Eip712Domain domain;

  public PaymentChannelsFacade(TransactionSender sender, Address address) {
    super(sender, address);
    this.binding =
        PaymentChannels.load(address.value(), sender.web3j(), sender, new DefaultGasProvider());
    this.domain = Eip712Domain.verinfer(sender.chainId(), address);
  }

  /** The EIP-712 domain vouchers and receipts for this contract are signed in. */
  public Eip712Domain domain() {
    return domain;
  }

  public TxResult deposit(TokenAmount amount) {
    return tx(binding.deposit(units(amount)));
  }

  public TxResult depositFor(Address consumer, TokenAmount amount) {
    return tx(binding.depositFor(consumer.value(), units(amount)));
  }

  public TxResult requestWithdrawal(TokenAmount amount) {
    return tx(binding.requestWithdrawal(units(amount)));
  }

  public TxResult cancelWithdrawal() {
    return tx(binding.cancelWithdrawal());
  }

  public TxResult withdraw() {
    return tx(binding.withdraw());
  }

  public TxResult claimEarnings() {
    return tx(binding.claimEarnings());
  }

  public TxResult redeem(SignedVoucher voucher) {
    return tx(
        binding.redeem(
            toBinding(voucher.voucher()),
            voucher.signature().r().bytes(),
            voucher.signature().vs().bytes()));
  }

  /** Redeems many lanes in one transaction (at most 256); stale vouchers are skipped. */
  public TxResult redeemBatch(List<SignedVoucher> vouchers) {
    List<PaymentChannels.SignedVoucher> items =
        vouchers.stream()
            .map(
                v ->
                    new PaymentChannels.SignedVoucher(
                        toBinding(v.voucher()),
                        v.signature().r().bytes(),
                        v.signature().vs().bytes()))
            .toList();
    return tx(binding.redeemBatch(items));
  }

  public TokenAmount depositOf(Address consumer) {
    return TokenAmount.of(call(binding.depositOf(consumer.value())));
  }

  public TokenAmount earningsOf(Address account) {
    return TokenAmount.of(call(binding.earningsOf(account.value())));
  }

  public PendingWithdrawal withdrawalOf(Address consumer) {
    var t = call(binding.withdrawalOf(consumer.value()));
    return new PendingWithdrawal(
        TokenAmount.of(t.component1()),
        Instant.ofEpochSecond(t.component2().longValueExact()),
        Instant.ofEpochSecond(t.component3().longValueExact()));
  }

  /**
   * What a provider may admit as credit for {@code consumer}: its deposit minus a pending
   * withdrawal that has not lapsed.
   */
  public TokenAmount spendableOf(Address consumer) {
    return TokenAmount.of(call(binding.spendableOf(consumer.value())));
  }

  public LaneState laneOf(Address consumer, Address provider, ModelId model) {
    var t =
        call(binding.laneOf(consumer.value(), provider.value(), BigInteger.valueOf(model.value())));
    return new LaneState(TokenAmount.of(t.component1()), t.component2().longValueExact());
  }

  /** The digest the contract computes for {@code voucher} (to prove byte-for-byte agreement). */
  public Bytes32 voucherDigest(Voucher voucher) {
    return Bytes32.of(call(binding.voucherDigest(toBinding(voucher))));
  }

  public Bytes32 receiptDigest(Receipt receipt) {
    return Bytes32.of(
        call(
            binding.receiptDigest(
                new PaymentChannels.Receipt(
                    receipt.consumer().value(),
                    receipt.provider().value(),
                    BigInteger.valueOf(receipt.modelId().value()),
                    receipt.inputHash().bytes(),
                    receipt.outputHash().bytes(),
                    receipt.cumulativeAmount().baseUnits(),
                    BigInteger.valueOf(receipt.cumulativeCalls())))));
  }

  /** The signer the contract would accept for this voucher; empty when the signature is invalid. */
  public Optional<Address> recoverVoucherSigner(SignedVoucher voucher) {
    return recoverVoucherSigner(
        voucher.voucher(), voucher.signature().r(), voucher.signature().vs());
  }

  /** As above, for a raw EIP-2098 compact signature (any 64 bytes, as untrusted input arrives). */
  public Optional<Address> recoverVoucherSigner(Voucher voucher, Bytes32 r, Bytes32 vs) {
    Address signer =
        Address.of(call(binding.recoverVoucherSigner(toBinding(voucher), r.bytes(), vs.bytes())));
    return signer.equals(Address.ZERO) ? Optional.empty() : Optional.of(signer);
  }

  public Bytes32 domainSeparator() {
    return Bytes32.of(call(binding.domainSeparator()));
  }

  static PaymentChannels.Voucher toBinding(Voucher v) {
    return new PaymentChannels.Voucher(
        v.consumer().value(),
        v.provider().value(),
        BigInteger.valueOf(v.modelId().value()),
        v.cumulativeAmount().baseUnits(),
        BigInteger.valueOf(v.cumulativeCalls()));
  }
}
