package io.verinfer.acceptance;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.facade.ModelRegistryFacade;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.client.ClientOptions;
import io.verinfer.client.VerinferClient;
import io.verinfer.node.NodeServer;
import io.verinfer.node.PaidSettings;
import io.verinfer.node.ProviderNode;
import io.verinfer.node.faults.FaultInjection;
import io.verinfer.node.onchain.OnchainSettings;
import io.verinfer.node.payment.Settler;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.packs.train.BuildPacks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The acceptance tests' stage: the shared devnet (snapshotted on open, reverted on close), the
 * trained fraud-detect pack published on-chain by a model author, paid provider nodes started from
 * dev accounts, and consumers using the SDK. Everything runs for real on 127.0.0.1.
 */
final class Marketplace implements AutoCloseable {
  static final int AUTHOR = Actors.AUTHOR_0;
  static final String PACK = "fraud-detect";

  private static Path pack;

  private final Path dir;
  private final String snapshot;
  private final Actors actors = new Actors();
  private final List<Provider> providers = new ArrayList<>();
  private final List<VerinferClient> clients = new ArrayList<>();
  private ModelId model;
  private Path servedPack;
  private long onchainConfirmations = -1;
  private NodeServer.Transport transport = NodeServer.Options.loopback().transport();

  private Marketplace(Path dir) {
    this.dir = dir;
    this.snapshot = SharedDevnet.snapshot();
  }

  /**
   * A fresh stage over the shared devnet; {@code dir} holds node stores, ledgers and client state.
   */
  static Marketplace open(Path dir) {
    return new Marketplace(dir);
  }

  /**
   * The fraud-detect pack, trained once per JVM (training is deterministic: same bytes, same CID).
   */
  static synchronized Path pack() {
    if (pack == null) {
      pack = BuildPacks.build(PACK, Path.of("target", "acceptance-packs").toAbsolutePath());
    }
    return pack;
  }

  /** One fraud-detect request: 8 raw features, varied by {@code i}. */
  static Tensor features(int i) {
    float[] row = {120 + i, 22, 2 + i % 5, 35, 3, 400 + 7 * i, i % 2, 0};
    return Tensor.ofFloats("features", new long[] {1, 8}, row);
  }

  /** Request {@code i} as an Open Inference Protocol infer body (the SDK's own tensor JSON). */
  static String oipInfer(int i) {
    var body = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    io.verinfer.client.V2Json.putTensors(body, "inputs", List.of(features(i)));
    return body.toString();
  }

  /** Publishes the fraud-detect pack's model from the author account. */
  ModelId publishFraudDetect(int royaltyBps) {
    return publish(pack(), royaltyBps, 1_000);
  }

  /**
   * Publishes the MiniLM embedding pack (written under this stage's directory) at its declared
   * tolerance; providers started afterwards serve it instead of fraud-detect.
   */
  ModelId publishMiniLm(int royaltyBps) {
    try {
      servedPack = io.verinfer.runtime.packs.minilm.MiniLmPack.write(dir.resolve("minilm-pack"));
      return publish(servedPack, royaltyBps, ModelManifest.read(servedPack).tolerancePpm());
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("cannot write the MiniLM pack", e);
    }
  }

  /**
   * Publishes a trained demo pack by name (e.g. {@code amm-fee}, built under this stage's
   * directory) at its declared tolerance; providers started afterwards serve it.
   */
  ModelId publishPack(String name, int royaltyBps) {
    servedPack = BuildPacks.build(name, dir.resolve("packs").toAbsolutePath());
    return publish(servedPack, royaltyBps, ModelManifest.read(servedPack).tolerancePpm());
  }

  /**
   * Publishes the pack in {@code packDir} (e.g. a text pack) at its declared tolerance; providers
   * started afterwards serve it.
   */
  ModelId publishPackAt(Path packDir, int royaltyBps) {
    servedPack = packDir;
    return publish(packDir, royaltyBps, ModelManifest.read(packDir).tolerancePpm());
  }

  /**
   * How deep a request's block must be before providers started afterwards answer it on-chain (the
   * node's default is 2; the shared devnet mines only when a transaction arrives).
   */
  void onchainConfirmations(long blocks) {
    this.onchainConfirmations = blocks;
  }

  /** How providers started afterwards serve (HTTPS with their own key, or plain HTTP). */
  void transport(NodeServer.Transport transport) {
    this.transport = transport;
  }

  private ModelId publish(Path packDir, int royaltyBps, long tolerancePpm) {
    try {
      ModelManifest manifest = ModelManifest.read(packDir);
      Cid cid = Cid.of(Files.readAllBytes(manifest.modelFile(packDir)));
      model =
          actors
              .author(0)
              .models()
              .publish(
                  new ModelRegistryFacade.Publication(
                      cid, "onnx", manifest.schemaHash(), royaltyBps, tolerancePpm));
      return model;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The pack providers serve: fraud-detect unless {@link #publishMiniLm} was called. */
  Path servedPack() {
    return servedPack != null ? servedPack : pack();
  }

  /** The model published by {@link #publishFraudDetect}. */
  ModelId model() {
    return model;
  }

  /** Starts a paid node for dev account {@code account} serving the pack at {@code price}. */
  Provider startProvider(int account, TokenAmount price) {
    return startProvider(account, price, FaultInjection.none());
  }

  /** {@link #startProvider(int, TokenAmount)} corrupting outputs as {@code faults} says. */
  Provider startProvider(int account, TokenAmount price, FaultInjection faults) {
    Provider p = new Provider(account, price, dir.resolve("provider-" + account), faults);
    p.start();
    providers.add(p);
    // dispute committees come from the stake snapshot at the end of the previous epoch: let
    // one pass so the new provider can judge (the devnet mines only on transactions)
    SharedDevnet.mine(actors.admin().providers().epochBlocks());
    return p;
  }

  /** A consumer SDK for dev account {@code account}, with its own state directory. */
  VerinferClient consumer(int account, ClientOptions options) {
    VerinferClient client =
        VerinferClient.connect(
            SharedDevnet.get().deployment(),
            DevAccounts.account(account),
            stateDir(account),
            options);
    clients.add(client);
    return client;
  }

  Path stateDir(int account) {
    return dir.resolve("consumer-" + account);
  }

  /** A chain view acting as dev account {@code account}. */
  VerinferChain chain(int account) {
    return actors.account(account);
  }

  @Override
  public void close() {
    try {
      clients.forEach(VerinferClient::close);
      providers.forEach(Provider::stop);
      actors.close();
    } finally {
      SharedDevnet.revert(snapshot); // the next test starts from the same chain, whatever happened
    }
  }

  /** A paid provider node that can be stopped and restarted with the same ledger and store. */
  final class Provider {
    private final int account;
    private final TokenAmount price;
    private final Path home;
    private FaultInjection faults;
    private ProviderNode node;

    private Provider(int account, TokenAmount price, Path home, FaultInjection faults) {
      this.account = account;
      this.price = price;
      this.home = home;
      this.faults = faults;
    }

    Address address() {
      return Actors.address(account);
    }

    TokenAmount price() {
      return price;
    }

    String endpoint() {
      return node.baseUrl();
    }

    /** The node's TLS key pin, when it serves HTTPS. */
    java.util.Optional<io.verinfer.protocol.tls.TlsPin> tlsPin() {
      return node.tlsPin();
    }

    /** The faults the node injects from its next {@link #start()} on. */
    void faults(FaultInjection next) {
      this.faults = next;
    }

    /** Stops the node (its HTTP port closes); the ledger file stays. */
    void stop() {
      if (node != null) {
        node.close();
        node = null;
      }
    }

    /** Starts the node again on the same ledger file; it re-announces its new endpoint. */
    void start() {
      PaidSettings paid =
          new PaidSettings(
              SharedDevnet.get().deployment(),
              DevAccounts.account(account),
              home.resolve("ledger.db"),
              Map.of(ModelManifest.read(servedPack()).name(), price),
              price,
              new Settler.Policy(
                  TokenAmount.ofTokens("1000"), Duration.ofHours(1), 100, Duration.ofHours(1)));
      if (onchainConfirmations >= 0) {
        paid =
            paid.withOnchainRequests(
                OnchainSettings.besideLedger(paid.ledgerFile())
                    .withConfirmations(onchainConfirmations)
                    .withPollInterval(Duration.ofMillis(200)));
      }
      node =
          ProviderNode.start(
              new ProviderNode.Config(
                      home.resolve("store"),
                      List.of(servedPack()),
                      // the market's one client drives thousands of calls a second from
                      // 127.0.0.1: the per-IP default (500/s) would throttle what these tests
                      // measure, so its providers allow far more (limits have their own tests)
                      NodeServer.Options.loopback()
                          .withTransport(transport)
                          .withLimits(new NodeServer.Limits(8 * 1024, 1024, 100_000, 200_000)),
                      EngineConfig.defaults(),
                      false,
                      paid)
                  .withFaults(faults),
              s -> {});
    }

    /** Redeems every voucher the node holds; returns the lanes redeemed. */
    int settleAll() {
      return node.settler().orElseThrow().settleAll();
    }

    @Override
    public String toString() {
      return "provider " + account + " (" + address() + ", price " + price + ")";
    }
  }
}
