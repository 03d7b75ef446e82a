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
      names = "--tls-key",
      paramLabel = "FILE",
      description =
          "The node's TLS key and self-signed certificate (PKCS#12), generated there with mode 600"
              + " when missing; its SHA-256 pin is registered on-chain with the endpoint, and a new"
              + " key is rotated on-chain with updateEndpoint at start (default: "
              + ProviderNode.TLS_FILE
              + " beside the ledger, or beside the store for --unpaid).")
  Path tlsKey;

  @Option(
      names = "--plain-http",
      description =
          "Serve plain HTTP instead of HTTPS. Clients refuse plain-HTTP providers off the devnet"
              + " unless they pass --allow-plain-http-providers.")
  boolean plainHttp;

  @Option(
      names = "--admin-bind",
      paramLabel = "HOST:PORT",
      description =
          "Where /metrics listens, never on the public address; 'off' for none (default: "
              + DEFAULT_ADMIN_BIND
              + ").")
  String adminBind;

  static final String DEFAULT_ADMIN_BIND = "127.0.0.1:9464";

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
      if (tlsKey == null && file.tlsKey() != null) {
        tlsKey = base.resolve(file.tlsKey());
      }
      if (Boolean.TRUE.equals(file.plainHttp())) {
        plainHttp = true;
      }
      if (adminBind == null && file.adminBind() != null) {
        adminBind = file.adminBind();
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
      java.util.Map<String, io.verinfer.protocol.TokenAmount> inputPrices =
          new java.util.HashMap<>();
      if (file.inputPrices() != null) {
        file.inputPrices().forEach((k, v) -> inputPrices.put(k, units(v, "inputPrices." + k)));
      }
      paidSettings =
          paidSettings
              .withCommitteeDuty(committeeDuty(file.committeeDuty(), ledger, base))
              .withOnchainRequests(onchainRequests(file.onchainRequests(), ledger, base))
              .withText(
                  new io.verinfer.node.PaidSettings.TextSettings(
                      inputPrices, io.verinfer.node.payment.TextPaymentRules.Settings.defaults()));
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
                    storeDir, served, httpOptions(paidSettings), engine, unpaid, paidSettings)
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
    String scheme = node.tlsPin().isPresent() ? "https" : "http";
    say(
        "node listening on "
            + scheme
            + "://"
            + host
            + ":"
            + node.port()
            + node.tlsPin().map(p -> " with TLS key " + p).orElse(" (plain HTTP)")
            + (unpaid
                ? " (UNPAID: devnet only)"
                : paidSettings != null
                    ? " (paid: vouchers required)"
                    : " (no wallet: refuses calls)"));
    node.metricsUrl().ifPresent(url -> say("metrics on " + url + " (admin address)"));
    say("execution provider: " + node.engine().executionProvider());
    say(
        "try: curl -s"
            + node.tlsPin().map(p -> "k --pinnedpubkey sha256//" + curlPin(p)).orElse("")
            + " "
            + scheme
            + "://"
            + host
            + ":"
            + node.port()
            + "/v2/models/fraud-detect");
    stopped.await();
    return 0;
  }

  /**
   * The public and admin servers' options: HTTPS with the key in {@code --tls-key} (a paid node's
   * default is beside its ledger, which {@link ProviderNode} resolves; an unpaid node's beside its
   * store) unless {@code --plain-http}; {@code /metrics} on {@code --admin-bind}.
   */
  NodeServer.Options httpOptions(io.verinfer.node.PaidSettings paid) {
    NodeServer.Transport transport;
    if (plainHttp) {
      if (tlsKey != null) {
        throw new UserError("--plain-http and --tls-key exclude each other");
      }
      transport = NodeServer.Transport.plain();
      if (paid != null && paid.deployment().chainId() != DEVNET_CHAIN_ID) {
        say(
            "WARNING: --plain-http off the devnet: clients refuse this node unless they pass"
                + " --allow-plain-http-providers (use it only behind a TLS proxy you trust)");
      }
    } else if (tlsKey != null) {
      transport = NodeServer.Transport.tls().at(tlsKey);
    } else if (paid == null) {
      Path dir = storeDir.toAbsolutePath().getParent();
      transport = NodeServer.Transport.tls().at(dir.resolve(ProviderNode.TLS_FILE));
    } else {
      transport = NodeServer.Transport.tls();
    }
    HostPort admin = adminBind(adminBind == null ? DEFAULT_ADMIN_BIND : adminBind);
    try {
      return new NodeServer.Options(host, port, 16L << 20)
          .withTransport(transport)
          .withAdmin(admin.host(), admin.port());
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
  }

  /** A host and port; port -1 means no admin server. */
  record HostPort(String host, int port) {}

  /** {@code HOST:PORT} (a bracketed IPv6 host too) or {@code off}. */
  static HostPort adminBind(String value) {
    if (value.equalsIgnoreCase("off")) {
      return new HostPort("127.0.0.1", -1);
    }
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new UserError(
          "--admin-bind expects HOST:PORT (e.g. 127.0.0.1:9464) or off, not '" + value + "'");
    }
    String h = value.substring(0, colon);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    try {
      int p = Integer.parseInt(value.substring(colon + 1));
      if (p < 0 || p > 65_535) {
        throw new NumberFormatException();
      }
      return new HostPort(h, p);
    } catch (NumberFormatException e) {
      throw new UserError(
          "--admin-bind port must be 0..65535 (0 picks a free port), not '"
              + value.substring(colon + 1)
              + "'");
    }
  }

  /** The pin as curl's {@code --pinnedpubkey sha256//} wants it: base64, not hex. */
  static String curlPin(io.verinfer.protocol.tls.TlsPin pin) {
    return java.util.Base64.getEncoder().encodeToString(pin.spkiSha256().bytes());
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
