package io.verinfer.cli;

import io.verinfer.chain.Deployment;
import io.verinfer.node.NodeServer;
import io.verinfer.node.ProviderNode;
import io.verinfer.node.disputes.DutySettings;
import io.verinfer.node.faults.FaultInjection;
import io.verinfer.node.onchain.GasPolicy;
import io.verinfer.node.onchain.OnchainSettings;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.packs.DemoPacks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code verinfer node}: a provider node serving model packs over the Open Inference Protocol,
 * {@code /v1/embeddings}, {@code /ipfs/{cid}} and {@code /health}. Paid calls arrive with the
 * payment issue; today {@code --unpaid} serves for free, and only against a devnet deployment.
 */
@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    description = "Run a provider node that serves model packs.")
public final class NodeCommand implements Callable<Integer> {
  private static final long DEVNET_CHAIN_ID = 31_337;

  @Option(
      names = "--pack",
      description = "A model pack directory to serve (repeatable; default: the demo packs).")
  List<Path> packs;

  @Option(
      names = "--packs-dir",
      defaultValue = ".verinfer/packs",
      description = "Where the demo packs are built (default: ${DEFAULT-VALUE}).")
  Path packsDir;

  @Option(
      names = "--store",
      defaultValue = ".verinfer/store",
      description = "Local model store (default: ${DEFAULT-VALUE}).")
  Path storeDir;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Port to listen on, 0 for any (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--unpaid",
      description = "Serve without payment. Devnet only: needs a devnet deployment file.")
  boolean unpaid;

  @Option(
      names = "--max-batch",
      defaultValue = "32",
      description = "Most rows per micro-batch; 1 disables batching (default: ${DEFAULT-VALUE}).")
  int maxBatch;

  @Option(
      names = "--batch-wait-ms",
      defaultValue = "2",
      description = "Longest wait for a batch to fill (default: ${DEFAULT-VALUE}).")
  long batchWaitMs;

  @Option(names = "--threads", description = "Intra-op threads per model session (default: 1).")
  Integer threads;

  @Option(names = "--gpu", description = "Use the CUDA execution provider when this build has one.")
  boolean gpu;

  @Option(
      names = "--config",
      description = "A paid node's JSON config (wallet, prices, ledger…); see NodeConfigFile.")
  Path config;

  @Mixin ChainOptions chain;

  @Override
  public Integer call() throws InterruptedException {
    if (config != null && unpaid) {
      throw new UserError(
          "--unpaid and --config exclude each other: a configured node takes vouchers");
    }
    io.verinfer.node.PaidSettings paidSettings = null;
    FaultInjection faults = FaultInjection.none();
    if (config != null) {
      NodeConfigFile file = NodeConfigFile.read(config);
      Path base = config.toAbsolutePath().getParent();
      if (file.deployment() != null) {
        chain.deployment = base.resolve(file.deployment());
      }
      if (file.keystore() != null) {
        chain.keystore = base.resolve(file.keystore());
      }
      if (file.passwordFile() != null) {
        chain.passwordFile = base.resolve(file.passwordFile());
      }
      if (file.devAccount() != null) {
        chain.devAccount = file.devAccount();
      }
      if (file.host() != null) {
        host = file.host();
      }
      if (file.port() != null) {
        port = file.port();
      }
      if (file.store() != null) {
        storeDir = base.resolve(file.store());
      }
      if (file.packs() != null) {
        packs = file.packs().stream().map(base::resolve).toList();
      }
      if (file.maxBatch() != null) {
        maxBatch = file.maxBatch();
      }
      io.verinfer.chain.Deployment d = chain.deployment();
      faults = faults(file.faults(), d.chainId());
      java.util.Map<String, io.verinfer.protocol.TokenAmount> prices = new java.util.HashMap<>();
      if (file.prices() != null) {
        file.prices().forEach((k, v) -> prices.put(k, units(v, "prices." + k)));
      }
      Path ledger = base.resolve(file.ledger() != null ? file.ledger() : "ledger.db");
      paidSettings =
          new io.verinfer.node.PaidSettings(
              d,
              chain.credentials(d),
              ledger,
              prices,
              units(file.defaultPrice() != null ? file.defaultPrice() : "1000", "defaultPrice"),
              new io.verinfer.node.payment.Settler.Policy(
                  units(
                      file.settleAboveUnits() != null
                          ? file.settleAboveUnits()
                          : "1000000000000000000",
                      "settleAboveUnits"),
                  Duration.ofSeconds(
                      file.settleAfterSeconds() != null ? file.settleAfterSeconds() : 600),
                  100,
                  Duration.ofSeconds(5)));
      paidSettings =
          paidSettings
              .withCommitteeDuty(committeeDuty(file.committeeDuty(), ledger, base))
              .withOnchainRequests(onchainRequests(file.onchainRequests(), ledger, base));
    }
    if (unpaid) {
      Deployment d = chain.deployment();
      if (d.chainId() != DEVNET_CHAIN_ID) {
        throw new UserError(
            "--unpaid is only allowed on a devnet (chain id 31337), not chain " + d.chainId());
      }
    }
    EngineConfig defaults = EngineConfig.defaults();
    EngineConfig engine =
        new EngineConfig(
            threads != null ? threads : defaults.intraOpThreads(),
            defaults.maxConcurrentRuns(),
            defaults.sessionCacheBytes(),
            maxBatch,
            Duration.ofMillis(batchWaitMs),
            gpu);
    List<Path> served =
        packs != null && !packs.isEmpty() ? packs : DemoPacks.ensure(packsDir, this::say);
    ProviderNode node =
        ProviderNode.start(
            new ProviderNode.Config(
                    storeDir,
                    served,
                    new NodeServer.Options(host, port, 16L << 20),
                    engine,
                    unpaid,
                    paidSettings)
                .withFaults(faults),
            this::say);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  node.close();
                  stopped.countDown();
                },
                "node-shutdown"));
    say(
        "node listening on http://"
            + host
            + ":"
            + node.port()
            + (unpaid
                ? " (UNPAID: devnet only)"
                : paidSettings != null
                    ? " (paid: vouchers required)"
                    : " (no wallet: refuses calls)"));
    say("execution provider: " + node.engine().executionProvider());
    say("try: curl -s http://" + host + ":" + node.port() + "/v2/models/fraud-detect");
    stopped.await();
    return 0;
  }

  /**
   * The config file's {@code committeeDuty}: on unless {@code enabled} is false, its state beside
   * the ledger unless {@code state} names a file (relative to the config file's directory).
   */
  static DutySettings committeeDuty(NodeConfigFile.CommitteeDuty keys, Path ledger, Path base) {
    DutySettings defaults = DutySettings.besideLedger(ledger);
    if (keys == null) {
      return defaults;
    }
    if (Boolean.FALSE.equals(keys.enabled())) {
      return DutySettings.off();
    }
    return keys.state() == null ? defaults : defaults.withStateFile(base.resolve(keys.state()));
  }

  /**
   * The config file's {@code onchainRequests}: on unless {@code enabled} is false, the defaults of
   * {@link OnchainSettings#besideLedger} for every key left out.
   */
  static OnchainSettings onchainRequests(
      NodeConfigFile.OnchainRequests keys, Path ledger, Path base) {
    OnchainSettings settings = OnchainSettings.besideLedger(ledger);
    if (keys == null) {
      return settings;
    }
    if (Boolean.FALSE.equals(keys.enabled())) {
      return OnchainSettings.off();
    }
    try {
      if (keys.state() != null) {
        settings = settings.withStateFile(base.resolve(keys.state()));
      }
      if (keys.confirmations() != null) {
        settings = settings.withConfirmations(keys.confirmations());
      }
      if (keys.deadlineMarginSeconds() != null) {
        settings = settings.withDeadlineMargin(Duration.ofSeconds(keys.deadlineMarginSeconds()));
      }
      GasPolicy gas = settings.gas();
      gas =
          new GasPolicy(
              keys.gasOverhead() != null ? keys.gasOverhead() : gas.baseOverhead(),
              keys.gasMargin() != null ? keys.gasMargin() : gas.margin(),
              keys.maxGasPriceGwei() != null
                  ? wei(keys.maxGasPriceGwei(), "onchainRequests.maxGasPriceGwei")
                  : gas.maxGasPrice(),
              keys.priorityFeeGwei() != null
                  ? wei(keys.priorityFeeGwei(), "onchainRequests.priorityFeeGwei")
                  : gas.priorityFee());
      return settings.withGas(gas);
    } catch (IllegalArgumentException e) {
      throw new UserError("onchainRequests: " + e.getMessage(), e);
    }
  }

  private static java.math.BigInteger wei(java.math.BigDecimal gwei, String field) {
    try {
      return gwei.movePointRight(9).toBigIntegerExact();
    } catch (ArithmeticException e) {
      throw new UserError(
          field + " must be a whole number of wei (9 decimals at most), got " + gwei);
    }
  }

  /** The config file's {@code faults}, refused unless the node's chain is the devnet. */
  static FaultInjection faults(NodeConfigFile.Faults keys, long chainId) {
    if (keys == null) {
      return FaultInjection.none();
    }
    try {
      FaultInjection faults =
          new FaultInjection(
              keys.corruptFraction() != null ? keys.corruptFraction() : 0.0,
              keys.seed() != null ? keys.seed() : 0);
      if (faults.active()) {
        FaultInjection.requireAllowedOn(chainId);
      }
      return faults;
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
  }

  private static io.verinfer.protocol.TokenAmount units(String value, String field) {
    try {
      return io.verinfer.protocol.TokenAmount.of(new java.math.BigInteger(value));
    } catch (RuntimeException e) {
      throw new UserError(field + " must be a whole number of base units, got '" + value + "'");
    }
  }

  private void say(String line) {
    System.out.println("• " + line);
  }
}
