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
    OnchainSettings onchainRequests,
    TextSettings text) {
  public PaidSettings {
    prices = Map.copyOf(prices);
    java.util.Objects.requireNonNull(committeeDuty, "committeeDuty");
    java.util.Objects.requireNonNull(onchainRequests, "onchainRequests");
    java.util.Objects.requireNonNull(text, "text");
  }

  /**
   * How a paid node sells text generation: the input token price per served name (default: half the
   * output price, which is the model's price per call above, the on-chain offer; never above it)
   * and the stream payment rules (window, checkpoints, waits, stream limits).
   */
  public record TextSettings(
      Map<String, TokenAmount> inputPrices,
      io.verinfer.node.payment.TextPaymentRules.Settings rules) {
    public TextSettings {
      inputPrices = Map.copyOf(inputPrices);
      java.util.Objects.requireNonNull(rules, "rules");
    }

    public static TextSettings defaults() {
      return new TextSettings(
          Map.of(), io.verinfer.node.payment.TextPaymentRules.Settings.defaults());
    }

    public TextSettings withRules(io.verinfer.node.payment.TextPaymentRules.Settings rules) {
      return new TextSettings(inputPrices, rules);
    }
  }

  /** With the default text settings. */
  public PaidSettings(
      Deployment deployment,
      Credentials wallet,
      Path ledgerFile,
      Map<String, TokenAmount> prices,
      TokenAmount defaultPrice,
      Settler.Policy settlement,
      DutySettings committeeDuty,
      OnchainSettings onchainRequests) {
    this(
        deployment,
        wallet,
        ledgerFile,
        prices,
        defaultPrice,
        settlement,
        committeeDuty,
        onchainRequests,
        TextSettings.defaults());
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
        deployment,
        wallet,
        ledgerFile,
        prices,
        defaultPrice,
        settlement,
        duty,
        onchainRequests,
        text);
  }

  /**
   * The same settings with another request watcher ({@link OnchainSettings#off()} to turn it off).
   */
  public PaidSettings withOnchainRequests(OnchainSettings onchain) {
    return new PaidSettings(
        deployment,
        wallet,
        ledgerFile,
        prices,
        defaultPrice,
        settlement,
        committeeDuty,
        onchain,
        text);
  }

  /** The same settings selling text as {@code text} says. */
  public PaidSettings withText(TextSettings text) {
    return new PaidSettings(
        deployment,
        wallet,
        ledgerFile,
        prices,
        defaultPrice,
        settlement,
        committeeDuty,
        onchainRequests,
        text);
  }

  public TokenAmount priceOf(String model) {
    return prices.getOrDefault(model, defaultPrice);
  }

  /**
   * The token prices of the text model {@code model}: output = {@link #priceOf} (the on-chain
   * offer), input = its configured price or half the output price.
   *
   * @throws IllegalArgumentException when the input price exceeds the output price
   */
  public io.verinfer.protocol.text.TextPrice textPriceOf(String model) {
    TokenAmount output = priceOf(model);
    TokenAmount input =
        text.inputPrices().getOrDefault(model, TokenAmount.of(output.baseUnits().shiftRight(1)));
    try {
      return new io.verinfer.protocol.text.TextPrice(input, output);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(model + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "PaidSettings[" + wallet.getAddress() + " on chain " + deployment.chainId() + "]";
  }
}
