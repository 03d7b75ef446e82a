package io.verinfer.node;

import io.verinfer.node.api.EmbeddingsEndpoint;
import io.verinfer.node.api.PaymentGate;
import io.verinfer.node.faults.FaultInjection;
import io.verinfer.node.faults.OutputCorruptor;
import io.verinfer.node.metrics.EngineMetrics;
import io.verinfer.node.metrics.NodeMetrics;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.Cid;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.ModelSpec;
import io.verinfer.runtime.onnx.OnnxInferenceEngine;
import io.verinfer.runtime.store.LocalModelStore;
import io.verinfer.runtime.text.EmbeddingService;
import io.verinfer.runtime.text.TextTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Composition root of a provider node: model store, engine, the packs it serves, text pipelines,
 * metrics and the HTTP server, and with {@link Config#paid()} its wallet, stake, on-chain offers,
 * voucher ledger, settler, committee duty in disputes and on-chain request watcher. {@link
 * Config#unpaid()} serves every call free (the CLI allows it on a devnet only), with or without a
 * wallet. {@link Config#faults()} corrupts a fraction of the answers for demos and tests of
 * verification; it is refused unless the node's chain is the devnet.
 */
public final class ProviderNode implements AutoCloseable {
  /**
   * What to serve and how.
   *
   * @param paid the wallet, chain and prices of a paid node; null for a node without a wallet
   * @param faults fault injection (devnet only; needs {@code paid}'s chain to be the devnet when
   *     active)
   */
  public record Config(
      Path storeDir,
      List<Path> packs,
      NodeServer.Options http,
      EngineConfig engine,
      boolean unpaid,
      PaidSettings paid,
      FaultInjection faults,
      io.verinfer.runtime.textgen.TextGeneratorConfig textGenerator) {
    public Config {
      java.util.Objects.requireNonNull(faults, "faults");
      java.util.Objects.requireNonNull(textGenerator, "textGenerator");
    }

    /** With the default text generator (one intra-op thread, one step per core). */
    public Config(
        Path storeDir,
        List<Path> packs,
        NodeServer.Options http,
        EngineConfig engine,
        boolean unpaid,
        PaidSettings paid,
        FaultInjection faults) {
      this(
          storeDir,
          packs,
          http,
          engine,
          unpaid,
          paid,
          faults,
          io.verinfer.runtime.textgen.TextGeneratorConfig.defaults());
    }

    /** A node with or without a wallet, answering honestly. */
    public Config(
        Path storeDir,
        List<Path> packs,
        NodeServer.Options http,
        EngineConfig engine,
        boolean unpaid,
        PaidSettings paid) {
      this(storeDir, packs, http, engine, unpaid, paid, FaultInjection.none());
    }

    /** A node without a wallet: unpaid (devnet) or refusing every call. */
    public Config(
        Path storeDir,
        List<Path> packs,
        NodeServer.Options http,
        EngineConfig engine,
        boolean unpaid) {
      this(storeDir, packs, http, engine, unpaid, null);
    }

    /** The same node with fault injection (checked against the chain when the node starts). */
    public Config withFaults(FaultInjection faults) {
      return new Config(storeDir, packs, http, engine, unpaid, paid, faults, textGenerator);
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(ProviderNode.class);

  /** The text token limit of the tokenizers the node opens (the model's position limit). */
  private static final int TOKEN_LIMIT = 512;

  private final OnnxInferenceEngine engine;
  private io.verinfer.runtime.textgen.OnnxTextGenerator textGenerator; // null: no text packs
  private final List<TextTokenizer> tokenizers = new ArrayList<>();
  private final NodeServer server;
  private final PaidMode paid;
  private final NodeMetrics metrics = NodeMetrics.create();

  private ProviderNode(Config config, Consumer<String> progress) {
    OutputCorruptor faults = new OutputCorruptor(config.faults());
    LocalModelStore store = new LocalModelStore(config.storeDir());
    this.engine = new OnnxInferenceEngine(store, config.engine());
    EngineMetrics.register(metrics, engine, config.engine());
    this.paid = config.paid() == null ? null : new PaidMode(config.paid());
    if (paid != null) {
      registerPaymentMetrics(paid);
      if (config.faults().active()) {
        try {
          // the deployment file only claims a chain id: ask the chain itself too
          FaultInjection.requireAllowedOn(paid.rpcChainId());
        } catch (RuntimeException e) {
          close();
          throw e;
        }
      }
    }
    metrics.counter(
        "verinfer_faults_injected_total",
        "Answers corrupted on purpose by fault injection (devnet only)",
        faults::injected);
    io.verinfer.node.api.ModelCatalog catalog = new io.verinfer.node.api.ModelCatalog(engine);
    Map<String, EmbeddingService> embedders = new HashMap<>();
    io.verinfer.node.api.TextCatalog texts;
    try {
      if (paid != null) {
        paid.ensureStake(progress);
      }
      List<Path> textPacks = new ArrayList<>();
      for (Path pack : config.packs()) {
        if (io.verinfer.runtime.textgen.TextPacks.TASK.equals(ModelManifest.read(pack).task())) {
          textPacks.add(pack);
        }
      }
      if (!textPacks.isEmpty()) {
        textGenerator = new io.verinfer.runtime.textgen.OnnxTextGenerator(config.textGenerator());
      }
      texts = new io.verinfer.node.api.TextCatalog(textGenerator, catalog);
      for (Path pack : config.packs()) {
        ModelManifest manifest = ModelManifest.read(pack);
        Cid cid = store.putFile(manifest.modelFile(pack), n -> {});
        if (textPacks.contains(pack)) {
          var model = textGenerator.deploy(pack);
          if (paid != null) {
            paid.offerText(
                manifest.name(), model.cid(), config.paid().textPriceOf(manifest.name()), texts);
          }
          progress.accept(
              "serving "
                  + manifest.name()
                  + " ("
                  + manifest.task()
                  + ", context "
                  + model.contextLength()
                  + ", "
                  + model.cid()
                  + ")");
          continue;
        }
        engine.deploy(ModelSpec.of(manifest, cid));
        if (paid != null) {
          paid.offer(manifest.name(), cid, config.paid().priceOf(manifest.name()), catalog);
        }
        progress.accept("serving " + manifest.name() + " (" + manifest.task() + ", " + cid + ")");
        if ("embedding".equals(manifest.task())) {
          if (manifest.tokenizer() == null) {
            throw new IllegalArgumentException(
                manifest.name() + ": an embedding pack needs a tokenizer");
          }
          TextTokenizer tokenizer =
              TextTokenizer.open(pack.resolve(manifest.tokenizer()), TOKEN_LIMIT);
          tokenizers.add(tokenizer);
          embedders.put(manifest.name(), new EmbeddingService(engine, manifest.name(), tokenizer));
        }
      }
    } catch (IOException e) {
      close();
      throw new UncheckedIOException("cannot load the model packs", e);
    }
    // unpaid with a wallet: registered on-chain like a paid node but serving free (devnet only,
    // e.g. to measure what payment costs on an otherwise identical path)
    io.verinfer.node.payment.TextPaymentRules textRules =
        config.unpaid() || paid == null ? null : paid.textRules();
    io.verinfer.node.metrics.TextMetrics textMetrics =
        new io.verinfer.node.metrics.TextMetrics(metrics);
    io.verinfer.node.api.TextCatalog textCatalog = texts;
    String owner = paid == null ? "verinfer" : paid.chain().account().value();
    PaymentGate payment =
        config.unpaid()
            ? PaymentGate.unpaidDevnet()
            : paid != null ? paid.gate() : PaymentGate.refuseAll();
    this.server =
        new NodeServer(
            catalog,
            store,
            payment,
            transportOf(config),
            metrics,
            faults,
            app -> {
              app.post(
                  "/v1/embeddings", new EmbeddingsEndpoint(catalog, embedders, payment, faults));
              io.verinfer.node.api.TextEndpoints text =
                  new io.verinfer.node.api.TextEndpoints(
                      textCatalog, config.unpaid(), textRules, faults, textMetrics);
              app.post("/v1/chat/completions", text.chat());
              app.post("/v1/completions", text.completions());
              app.get(
                  "/v1/models",
                  new io.verinfer.node.api.ModelsEndpoint(textCatalog, catalog, textRules, owner));
              if (paid != null) {
                app.get(
                    "/v1/lanes/{consumer}/{modelId}",
                    new io.verinfer.node.api.LaneEndpoint(
                        paid.ledger(), paid.chain().account(), paid.textRules()));
                if (textRules != null) {
                  app.post(
                      "/v1/lanes/{consumer}/{modelId}/voucher",
                      new io.verinfer.node.api.LaneVoucherEndpoint(textRules));
                }
              }
            });
    if (paid != null) {
      try {
        paid.announce(
            server.baseUrl(),
            server.tls().map(t -> t.pin().spkiSha256()).orElse(Bytes32.ZERO),
            progress);
      } catch (IOException | RuntimeException e) {
        close();
        throw new IllegalStateException("cannot announce the node on-chain: " + e.getMessage(), e);
      }
      try {
        paid.startCommitteeDuty(
            new io.verinfer.node.disputes.Reexecutor(
                engine, embedders, paid::servedName, textGenerator()),
            metrics,
            progress);
      } catch (RuntimeException e) {
        close();
        throw new IllegalStateException("cannot start the committee duty: " + e.getMessage(), e);
      }
      try {
        paid.startOnchainRequests(engine, textGenerator(), metrics, progress);
      } catch (RuntimeException e) {
        close();
        throw new IllegalStateException(
            "cannot start the on-chain request watcher: " + e.getMessage(), e);
      }
    }
    if (config.faults().active()) {
      LOG.warn(
          "corrupting {}% of outputs (fault injection, devnet only; seed {})",
          config.faults().percent(), config.faults().seed());
    }
  }

  /**
   * Fault injection needs a chain to check: a node without a wallet does not know which chain it
   * serves (the {@code unpaid} switch is the caller's word, not a fact the node can check).
   */
  private static void requireDevnet(Config config) {
    if (config.paid() == null) {
      throw new IllegalArgumentException(
          FaultInjection.FRACTION_KEY
              + " needs a node connected to the devnet (chain id "
              + FaultInjection.DEVNET_CHAIN_ID
              + ") to check it is one; this node has no chain (no paid settings)");
    }
    FaultInjection.requireAllowedOn(config.paid().deployment().chainId());
  }

  /**
   * Starts a node.
   *
   * @throws IllegalArgumentException when {@link Config#faults()} is active on a node whose chain
   *     is not the devnet, or that has no chain
   */
  public static ProviderNode start(Config config, Consumer<String> progress) {
    if (config.faults().active()) {
      requireDevnet(config);
    }
    return new ProviderNode(config, progress);
  }

  /**
   * The HTTP options with the TLS key's home resolved: a paid node keeps its key beside its ledger
   * ({@value #TLS_FILE}), so a restart presents the registered key and sends no transaction.
   */
  private static NodeServer.Options transportOf(Config config) {
    NodeServer.Transport transport = config.http().transport();
    if (transport.https() && transport.identityFile() == null && config.paid() != null) {
      Path dir = config.paid().ledgerFile().toAbsolutePath().getParent();
      return config.http().withTransport(transport.at(dir.resolve(TLS_FILE)));
    }
    return config.http();
  }

  /** The file name of a paid node's TLS key in its data dir. */
  public static final String TLS_FILE = "tls-identity.p12";

  public String baseUrl() {
    return server.baseUrl();
  }

  /** The pin of the TLS key the node serves with (and registers), when it serves HTTPS. */
  public java.util.Optional<io.verinfer.protocol.tls.TlsPin> tlsPin() {
    return server.tls().map(io.verinfer.node.tls.TlsIdentity::pin);
  }

  /** Where the node's {@code /metrics} answers (its admin address), when it has one. */
  public java.util.Optional<String> metricsUrl() {
    return server.metricsUrl();
  }

  public int port() {
    return server.port();
  }

  private void registerPaymentMetrics(PaidMode paid) {
    var ledger = paid.ledger();
    metrics.counter(
        "verinfer_ledger_commits_total",
        "Durable ledger transactions (each one fsync, shared by the calls answered meanwhile)",
        ledger::commits);
    metrics.counter(
        "verinfer_ledger_changes_total",
        "Lane changes committed to the ledger (answered calls and redemptions)",
        ledger::committedChanges);
    metrics.gauge(
        "verinfer_lanes_pending",
        "Lanes holding a voucher not yet redeemed on-chain",
        () -> ledger.pending().size());
    metrics.gauge(
        "verinfer_unredeemed_base_units",
        "Value held in vouchers not yet redeemed, in token base units (may lose precision above"
            + " 2^53)",
        () ->
            ledger.pending().stream()
                .mapToDouble(r -> r.unredeemed().baseUnits().doubleValue())
                .sum());
    metrics.counter(
        "verinfer_redeemed_lanes_total",
        "Lanes redeemed on-chain by this node",
        () -> paid.settler().redeemedLanes());
    metrics.counter(
        "verinfer_redeem_batches_total",
        "redeemBatch transactions sent by this node",
        () -> paid.settler().batches());
  }

  /** What {@code GET /metrics} serves; the payment side registers its figures here. */
  public NodeMetrics metrics() {
    return metrics;
  }

  public OnnxInferenceEngine engine() {
    return engine;
  }

  /** The text generator serving the node's text packs, when it has any. */
  public java.util.Optional<io.verinfer.runtime.textgen.TextGenerator> textGenerator() {
    return java.util.Optional.ofNullable(textGenerator);
  }

  /** The committee duty in disputes, when the node is paid and the duty is on. */
  public java.util.Optional<io.verinfer.node.disputes.CommitteeDuty> committeeDuty() {
    return paid == null ? java.util.Optional.empty() : paid.committeeDuty();
  }

  /** The on-chain request watcher, when the node is paid and the watcher is on. */
  public java.util.Optional<io.verinfer.node.onchain.RequestWatcher> onchainRequests() {
    return paid == null ? java.util.Optional.empty() : paid.onchainRequests();
  }

  /** The payment side, when the node takes vouchers. */
  public java.util.Optional<io.verinfer.node.payment.Settler> settler() {
    return paid == null ? java.util.Optional.empty() : java.util.Optional.of(paid.settler());
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
    if (paid != null) {
      paid.close();
    }
    tokenizers.forEach(TextTokenizer::close);
    if (textGenerator != null) {
      textGenerator.close();
    }
    engine.close();
  }
}
