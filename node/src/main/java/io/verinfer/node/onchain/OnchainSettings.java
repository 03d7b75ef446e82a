package io.verinfer.node.onchain;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Whether and how a paid node fulfils the on-chain requests assigned to it ({@link
 * RequestWatcher}).
 *
 * @param enabled whether the node watches the InferenceCoordinator and fulfils; a node that is
 *     assigned a request and stays silent earns nothing and the request goes to another provider
 *     after its deadline
 * @param stateFile the SQLite file holding every request seen, its state and the event cursor; keep
 *     it with the ledger: it is what stops a restarted node from fulfilling twice
 * @param pollInterval how often the chain is polled for new requests and for each open one
 * @param confirmations how deep an {@code InferenceRequested} / {@code Reassigned} event must be
 *     before the node acts on it
 * @param gas gas limit and price policy
 * @param deadlineMargin how long before a request's deadline (chain time) the node stops sending a
 *     fulfilment: one sent later would likely be mined too late and revert
 * @param resendAfter how long a fulfilment whose transaction the RPC node does not know (not mined,
 *     not pending) is given to show up before the node sends it again
 * @param maxAttempts the most fulfilment transactions (and model runs that failed for a local
 *     reason) the node tries per request before it gives up
 */
public record OnchainSettings(
    boolean enabled,
    Path stateFile,
    Duration pollInterval,
    long confirmations,
    GasPolicy gas,
    Duration deadlineMargin,
    Duration resendAfter,
    int maxAttempts) {
  /** The default confirmation depth: two blocks (a live chain's usual reorg is one). */
  public static final long DEFAULT_CONFIRMATIONS = 2;

  public OnchainSettings {
    if (enabled) {
      Objects.requireNonNull(stateFile, "stateFile of an enabled request watcher");
    }
    requirePositive(pollInterval, "pollInterval");
    if (confirmations < 0) {
      throw new IllegalArgumentException("confirmations must be >= 0, got " + confirmations);
    }
    Objects.requireNonNull(gas, "gas");
    requireNotNegative(deadlineMargin, "deadlineMargin");
    requireNotNegative(resendAfter, "resendAfter");
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
    }
  }

  private static void requirePositive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
  }

  private static void requireNotNegative(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must be >= 0, got " + d);
    }
  }

  /**
   * The default: on, state in {@code <ledger>-onchain.db} beside the ledger, polling every second,
   * {@value #DEFAULT_CONFIRMATIONS} confirmations, {@link GasPolicy#defaults()}, no sending in the
   * last 30 s before a deadline, a silent transaction resent after 30 s, 3 attempts.
   */
  public static OnchainSettings besideLedger(Path ledgerFile) {
    String name = ledgerFile.getFileName().toString();
    String stem = name.endsWith(".db") ? name.substring(0, name.length() - 3) : name;
    return new OnchainSettings(
        true,
        ledgerFile.resolveSibling(stem + "-onchain.db"),
        Duration.ofSeconds(1),
        DEFAULT_CONFIRMATIONS,
        GasPolicy.defaults(),
        Duration.ofSeconds(30),
        Duration.ofSeconds(30),
        3);
  }

  /** No request watcher: requests assigned to this node time out and go to another provider. */
  public static OnchainSettings off() {
    return new OnchainSettings(
        false,
        null,
        Duration.ofSeconds(1),
        DEFAULT_CONFIRMATIONS,
        GasPolicy.defaults(),
        Duration.ofSeconds(30),
        Duration.ofSeconds(30),
        3);
  }

  public OnchainSettings withStateFile(Path file) {
    return new OnchainSettings(
        enabled, file, pollInterval, confirmations, gas, deadlineMargin, resendAfter, maxAttempts);
  }

  public OnchainSettings withPollInterval(Duration interval) {
    return new OnchainSettings(
        enabled, stateFile, interval, confirmations, gas, deadlineMargin, resendAfter, maxAttempts);
  }

  public OnchainSettings withConfirmations(long blocks) {
    return new OnchainSettings(
        enabled, stateFile, pollInterval, blocks, gas, deadlineMargin, resendAfter, maxAttempts);
  }

  public OnchainSettings withGas(GasPolicy policy) {
    return new OnchainSettings(
        enabled,
        stateFile,
        pollInterval,
        confirmations,
        policy,
        deadlineMargin,
        resendAfter,
        maxAttempts);
  }

  public OnchainSettings withDeadlineMargin(Duration margin) {
    return new OnchainSettings(
        enabled, stateFile, pollInterval, confirmations, gas, margin, resendAfter, maxAttempts);
  }

  public OnchainSettings withResendAfter(Duration wait) {
    return new OnchainSettings(
        enabled, stateFile, pollInterval, confirmations, gas, deadlineMargin, wait, maxAttempts);
  }
}
