package io.verinfer.node;

import io.verinfer.node.api.EmbeddingsEndpoint;
import io.verinfer.node.api.PaymentGate;
import io.verinfer.node.metrics.EngineMetrics;
import io.verinfer.node.metrics.NodeMetrics;
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

/**
 * Composition root of a provider node: model store, engine, the packs it serves, text pipelines,
 * metrics and the HTTP server, and with {@link Config#paid()} its wallet, stake, on-chain offers,
 * voucher ledger and settler. {@link Config#unpaid()} serves every call free (the CLI allows it on
 * a devnet only), with or without a wallet.
 */
public final class ProviderNode implements AutoCloseable {
  /** What to serve and how. */
  public record Config(
      Path storeDir,
      List<Path> packs,
      NodeServer.Options http,
      EngineConfig engine,
      boolean unpaid,
      PaidSettings paid) {
    /** A node without a wallet: unpaid (devnet) or refusing every call. */
    public Config(
        Path storeDir,
        List<Path> packs,
        NodeServer.Options http,
        EngineConfig engine,
        boolean unpaid) {
      this(storeDir, packs, http, engine, unpaid, null);
    }
  }

  /** The text token limit of the tokenizers the node opens (the model's position limit). */
  private static final int TOKEN_LIMIT = 512;

  private final OnnxInferenceEngine engine;
  private final List<TextTokenizer> tokenizers = new ArrayList<>();
  private final NodeServer server;
  private final PaidMode paid;
  private final NodeMetrics metrics = NodeMetrics.create();

  private ProviderNode(Config config, Consumer<String> progress) {
    LocalModelStore store = new LocalModelStore(config.storeDir());
    this.engine = new OnnxInferenceEngine(store, config.engine());
    EngineMetrics.register(metrics, engine, config.engine());
    this.paid = config.paid() == null ? null : new PaidMode(config.paid());
    if (paid != null) {
      registerPaymentMetrics(paid);
    }
    io.verinfer.node.api.ModelCatalog catalog = new io.verinfer.node.api.ModelCatalog(engine);
    Map<String, EmbeddingService> embedders = new HashMap<>();
    try {
      if (paid != null) {
        paid.ensureStake(progress);
      }
      for (Path pack : config.packs()) {
        ModelManifest manifest = ModelManifest.read(pack);
        Cid cid = store.putFile(manifest.modelFile(pack), n -> {});
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
    PaymentGate payment =
        config.unpaid()
            ? PaymentGate.unpaidDevnet()
            : paid != null ? paid.gate() : PaymentGate.refuseAll();
    this.server =
        new NodeServer(
            catalog,
            store,
            payment,
            config.http(),
            metrics,
            app -> {
              app.post("/v1/embeddings", new EmbeddingsEndpoint(catalog, embedders, payment));
              if (paid != null) {
                app.get(
                    "/v1/lanes/{consumer}/{modelId}",
                    new io.verinfer.node.api.LaneEndpoint(paid.ledger(), paid.chain().account()));
              }
            });
    if (paid != null) {
      try {
        paid.announce(server.baseUrl(), progress);
      } catch (IOException | RuntimeException e) {
        close();
        throw new IllegalStateException("cannot announce the node on-chain: " + e.getMessage(), e);
      }
    }
  }

  public static ProviderNode start(Config config, Consumer<String> progress) {
    return new ProviderNode(config, progress);
  }

  public String baseUrl() {
    return server.baseUrl();
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
    engine.close();
  }
}
