package io.verinfer.node;

import io.verinfer.chain.Deployment;
import io.verinfer.node.payment.Settler;
import io.verinfer.protocol.TokenAmount;
import java.nio.file.Path;
import java.util.Map;
import org.web3j.crypto.Credentials;

/**
 * What a paid provider node needs: the chain, its wallet, where its voucher ledger lives, the price
 * per call of each served model (by served name; {@code defaultPrice} for the rest) and when to
 * settle.
 */
public record PaidSettings(
    Deployment deployment,
    Credentials wallet,
    Path ledgerFile,
    Map<String, TokenAmount> prices,
    TokenAmount defaultPrice,
    Settler.Policy settlement) {
  public PaidSettings {
    prices = Map.copyOf(prices);
  }

  public TokenAmount priceOf(String model) {
    return prices.getOrDefault(model, defaultPrice);
  }

  @Override
  public String toString() {
    return "PaidSettings[" + wallet.getAddress() + " on chain " + deployment.chainId() + "]";
  }
}
