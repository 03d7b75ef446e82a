package io.verinfer.chain.facade;

import io.verinfer.chain.bindings.ProtocolParams;
import io.verinfer.chain.tx.TransactionSender;
import io.verinfer.chain.tx.TxResult;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.TokenAmount;
import java.math.BigInteger;
import java.time.Duration;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * ProtocolParams: every number the protocol uses. Setters need the owner (admin, later governance).
 */
public final class ParamsFacade extends ContractFacade {
  private final ProtocolParams binding;

  public ParamsFacade(TransactionSender sender, Address address) {
    super(sender, address);
    this.binding =
        ProtocolParams.load(address.value(), sender.web3j(), sender, new DefaultGasProvider());
  }

  public int protocolFeeBps() {
    return call(binding.protocolFeeBps()).intValueExact();
  }

  public Address treasury() {
    return Address.of(call(binding.treasury()));
  }

  public TokenAmount minProviderStake() {
    return TokenAmount.of(call(binding.minProviderStake()));
  }

  public Duration unbondingDelay() {
    return Duration.ofSeconds(call(binding.unbondingDelay()).longValueExact());
  }

  public Duration withdrawDelay() {
    return Duration.ofSeconds(call(binding.withdrawDelay()).longValueExact());
  }

  public TxResult setProtocolFeeBps(int bps) {
    return tx(binding.setProtocolFeeBps(BigInteger.valueOf(bps)));
  }

  public TxResult setTreasury(Address treasury) {
    return tx(binding.setTreasury(treasury.value()));
  }

  public TxResult setMinProviderStake(TokenAmount amount) {
    return tx(binding.setMinProviderStake(units(amount)));
  }

  public TxResult setUnbondingDelay(Duration delay) {
    return tx(binding.setUnbondingDelay(BigInteger.valueOf(delay.toSeconds())));
  }

  public TxResult setWithdrawDelay(Duration delay) {
    return tx(binding.setWithdrawDelay(BigInteger.valueOf(delay.toSeconds())));
  }

  /** The dispute parameters {@code DisputeManager} reads. */
  public record DisputeParams(
      int committeeSize,
      Duration commitWindow,
      Duration revealWindow,
      int maxDisputeBytes,
      int slashBps,
      int challengerRewardBps,
      int voterRewardBps,
      TokenAmount disputeBond,
      TokenAmount nonRevealPenalty) {}

  public DisputeParams disputeParams() {
    var committee = call(binding.committeeConfig());
    return new DisputeParams(
        committee.component1().intValueExact(),
        Duration.ofSeconds(committee.component2().longValueExact()),
        Duration.ofSeconds(committee.component3().longValueExact()),
        call(binding.maxDisputeBytes()).intValueExact(),
        call(binding.slashBps()).intValueExact(),
        call(binding.challengerRewardBps()).intValueExact(),
        call(binding.voterRewardBps()).intValueExact(),
        TokenAmount.of(call(binding.disputeBond())),
        TokenAmount.of(call(binding.nonRevealPenalty())));
  }

  public TxResult setCommitteeSize(int size) {
    return tx(binding.setCommitteeSize(BigInteger.valueOf(size)));
  }

  public TxResult setCommitWindow(Duration window) {
    return tx(binding.setCommitWindow(BigInteger.valueOf(window.toSeconds())));
  }

  public TxResult setRevealWindow(Duration window) {
    return tx(binding.setRevealWindow(BigInteger.valueOf(window.toSeconds())));
  }

  public TxResult setMaxDisputeBytes(int bytes) {
    return tx(binding.setMaxDisputeBytes(BigInteger.valueOf(bytes)));
  }

  public TxResult setSlashBps(int bps) {
    return tx(binding.setSlashBps(BigInteger.valueOf(bps)));
  }

  public TxResult setRewardShares(int challengerBps, int voterBps) {
    return tx(
        binding.setRewardShares(BigInteger.valueOf(challengerBps), BigInteger.valueOf(voterBps)));
  }

  public TxResult setDisputeBond(TokenAmount bond) {
    return tx(binding.setDisputeBond(units(bond)));
  }

  public TxResult setNonRevealPenalty(TokenAmount penalty) {
    return tx(binding.setNonRevealPenalty(units(penalty)));
  }

  /** Registers a contract to be told of every change (governance only). */
  public TxResult addListener(Address listener) {
    return tx(binding.addListener(listener.value()));
  }

  public TxResult setChallengeWindow(Duration window) {
    return tx(binding.setChallengeWindow(BigInteger.valueOf(window.toSeconds())));
  }

  /** Stops telling {@code listener} of changes (governance only). */
  public TxResult removeListener(Address listener) {
    return tx(binding.removeListener(listener.value()));
  }

  /** How long a matured withdrawal may be executed before it lapses. */
  public Duration withdrawWindow() {
    return Duration.ofSeconds(call(binding.withdrawWindow()).longValueExact());
  }

  public TxResult setWithdrawWindow(Duration window) {
    return tx(binding.setWithdrawWindow(BigInteger.valueOf(window.toSeconds())));
  }

  /** How long before a model's royalty or tolerance change takes effect. */
  public Duration termsNotice() {
    return Duration.ofSeconds(call(binding.termsNotice()).longValueExact());
  }

  public TxResult setTermsNotice(Duration notice) {
    return tx(binding.setTermsNotice(BigInteger.valueOf(notice.toSeconds())));
  }

  /** The largest output an on-chain request's answer may have. */
  public int maxOutputBytes() {
    return call(binding.maxOutputBytes()).intValueExact();
  }

  public TxResult setMaxOutputBytes(int bytes) {
    return tx(binding.setMaxOutputBytes(BigInteger.valueOf(bytes)));
  }
}
