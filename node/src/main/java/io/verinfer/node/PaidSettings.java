package io.verinfer.node;

import io.verinfer.chain.Deployment;
import io.verinfer.node.disputes.DutySettings;
import io.verinfer.node.onchain.OnchainSettings;
import io.verinfer.node.payment.Settler;
import io.verinfer.protocol.TokenAmount;
import java.nio.file.Path;
import java.util.Map;
import org.web3j.crypto.Credentials;

/**
 * What a paid provider node needs: the chain, its wallet, where its voucher ledger lives, the price
 * per call of each served model (by served name; {@code defaultPrice} for the rest), when to
 * settle, its committee duty in disputes and its answers to on-chain requests (both on by default,
 * state beside the ledger).
 */
public record PaidSettings(
    Deployment deployment,
    Credentials wallet,
    Path ledgerFile,
    Map<String, TokenAmount> prices,
    TokenAmount defaultPrice,
    Settler.Policy settlement,
    DutySettings committeeDuty,
    OnchainSettings onchainRequests) {
  public PaidSettings {
    prices = Map.copyOf(prices);
    java.util.Objects.requireNonNull(committeeDuty, "committeeDuty");
    java.util.Objects.requireNonNull(onchainRequests, "onchainRequests");
  }

  /** With on-chain requests on and their state beside the ledger. */
  public PaidSettings(
      Deployment deployment,
      Credentials wallet,
      Path ledgerFile,
      Map<String, TokenAmount> prices,
      TokenAmount defaultPrice,
      Settler.Policy settlement,
      DutySettings committeeDuty) {
    this(
        deployment,
        wallet,
        ledgerFile,
        prices,
        defaultPrice,
        settlement,
        committeeDuty,
        OnchainSettings.besideLedger(ledgerFile));
  }

  /**
   * With the committee duty on and its state beside the ledger ({@link DutySettings#besideLedger}).
   */
  public PaidSettings(
      Deployment deployment,
      Credentials wallet,
      Path ledgerFile,
      Map<String, TokenAmount> prices,
      TokenAmount defaultPrice,
      Settler.Policy settlement) {
    this(
        deployment,
        wallet,
        ledgerFile,
        prices,
        defaultPrice,
        settlement,
        DutySettings.besideLedger(ledgerFile));
  }

  /** The same settings with another committee duty ({@link DutySettings#off()} to turn it off). */
  public PaidSettings withCommitteeDuty(DutySettings duty) {
    return new PaidSettings(
        deployment, wallet, ledgerFile, prices, defaultPrice, settlement, duty, onchainRequests);
  }

  /**
   * The same settings with another request watcher ({@link OnchainSettings#off()} to turn it off).
   */
  public PaidSettings withOnchainRequests(OnchainSettings onchain) {
    return new PaidSettings(
        deployment, wallet, ledgerFile, prices, defaultPrice, settlement, committeeDuty, onchain);
  }

  public TokenAmount priceOf(String model) {
    return prices.getOrDefault(model, defaultPrice);
  }

  @Override
  public String toString() {
    return "PaidSettings[" + wallet.getAddress() + " on chain " + deployment.chainId() + "]";
  }
}
