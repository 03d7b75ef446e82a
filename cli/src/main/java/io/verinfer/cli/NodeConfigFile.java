package io.verinfer.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code verinfer node --config FILE}: a paid provider node's settings, as JSON. Relative paths are
 * resolved against the file's directory. Example:
 *
 * <pre>{@code
 * {
 *   "deployment": "devnet.json",
 *   "keystore": "provider-wallet.json",        // or "devAccount": 8 on a devnet
 *   "port": 8081,
 *   "tlsKey": "provider/tls-identity.p12",     // default: beside the ledger; see below
 *   "plainHttp": false,
 *   "adminBind": "127.0.0.1:9464",
 *   "ledger": "provider/ledger.db",
 *   "store": "store",
 *   "packs": ["packs/fraud-detect", "packs/minilm-embed"],
 *   "prices": {"fraud-detect": "1000", "minilm-embed": "500"},
 *   "defaultPrice": "1000",
 *   "inputPrices": {"verinfer-chat": "250"},  // text models: per prompt token; default half
 *   "settleAboveUnits": "1000000000000000000",
 *   "settleAfterSeconds": 600,
 *   "faults": {"corruptFraction": 0.25, "seed": 42},  // devnet only: see below
 *   "committeeDuty": {"enabled": true, "state": "provider/disputes.db"},
 *   "onchainRequests": {"enabled": true, "state": "provider/onchain.db", "confirmations": 2,
 *                       "maxGasPriceGwei": 100, "priorityFeeGwei": 1, "gasOverhead": 200000,
 *                       "gasMargin": 50000, "deadlineMarginSeconds": 30}
 * }
 * }</pre>
 *
 * A text-generation pack's price ({@code prices} or {@code defaultPrice}) is its price per output
 * token, offered on-chain; {@code inputPrices} quotes its price per prompt token (default half the
 * output price; never above it).
 *
 * <p>{@code committeeDuty.enabled} (default true) makes the node vote in disputes whose committee
 * it is drawn onto: it re-executes, commits, reveals, resolves and claims by itself. Turned off, a
 * drawn node casts no vote and is slashed the non-reveal penalty. {@code committeeDuty.state}
 * (default {@code <ledger>-disputes.db} beside the ledger) keeps each vote and salt between commit
 * and reveal; keep it with the ledger.
 *
 * <p>{@code onchainRequests.enabled} (default true) makes the node answer the
 * InferenceCoordinator's requests assigned to it: it runs the model and fulfils before the
 * deadline. {@code state} (default {@code <ledger>-onchain.db} beside the ledger) records every
 * request seen and every fulfilment sent, so a restart never fulfils twice; keep it with the
 * ledger. {@code confirmations} (default 2) is how deep a request's block must be before the node
 * acts. Gas: the limit is at least {@code gasOverhead} (default 200,000) + the request's callback
 * gas × 64/63 + {@code gasMargin} (default 50,000); the node waits while base fee + {@code
 * priorityFeeGwei} (default 1) is above {@code maxGasPriceGwei} (default 100) and never pays more
 * per gas; it sends nothing in the last {@code deadlineMarginSeconds} (default 30) before a
 * deadline.
 *
 * <p>{@code faults.corruptFraction} (0 to 1, default 0) makes the node corrupt that share of its
 * answers, chosen by draws seeded with {@code faults.seed} (default 0; the same seed and order of
 * calls corrupt the same calls), for demos and tests of verification: the receipt signs the
 * corrupted output. Refused on any chain but the devnet (chain id 31337).
 *
 * <p>The node serves HTTPS with the TLS key in {@code tlsKey} (a PKCS#12 file, generated with mode
 * 600 when missing; default {@code tls-identity.p12} beside the ledger) and registers its pin
 * on-chain; a new key is rotated on-chain at the next start. {@code plainHttp: true} serves plain
 * HTTP instead (clients refuse it off the devnet unless they allow it). {@code adminBind} is where
 * {@code /metrics} listens ({@code HOST:PORT}, default {@code 127.0.0.1:9464}; {@code "off"}: no
 * admin server). The command-line flags {@code --tls-key}, {@code --plain-http} and {@code
 * --admin-bind} win over these keys.
 *
 * <p>The keystore password comes from the environment variable VERINFER_WALLET_PASSWORD (or the
 * file named by "passwordFile"); it is never written in the config.
 */
public record NodeConfigFile(
    String deployment,
    String keystore,
    String passwordFile,
    Integer devAccount,
    String host,
    Integer port,
    String tlsKey,
    Boolean plainHttp,
    String adminBind,
    String ledger,
    String store,
    List<String> packs,
    Map<String, String> prices,
    String defaultPrice,
    Map<String, String> inputPrices,
    String settleAboveUnits,
    Long settleAfterSeconds,
    Integer maxBatch,
    Faults faults,
    CommitteeDuty committeeDuty,
    OnchainRequests onchainRequests) {

  /** {@code "faults": {"corruptFraction": 0.25, "seed": 42}}; both optional. */
  public record Faults(Double corruptFraction, Long seed) {}

  /** {@code "committeeDuty": {"enabled": true, "state": "disputes.db"}}; both optional. */
  public record CommitteeDuty(Boolean enabled, String state) {}

  /** {@code "onchainRequests": {...}}; every key optional (see above). */
  public record OnchainRequests(
      Boolean enabled,
      String state,
      Long confirmations,
      BigDecimal maxGasPriceGwei,
      BigDecimal priorityFeeGwei,
      Long gasOverhead,
      Long gasMargin,
      Long deadlineMarginSeconds) {}

  static NodeConfigFile read(Path file) {
    try {
      return new ObjectMapper()
          .enable(com.fasterxml.jackson.core.JsonParser.Feature.ALLOW_COMMENTS)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .readValue(file.toFile(), NodeConfigFile.class);
    } catch (IOException e) {
      throw new UserError("cannot read node config " + file + ": " + e.getMessage());
    }
  }
}
