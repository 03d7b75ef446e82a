package io.verinfer.node.onchain;

import io.verinfer.chain.Deployment;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.facade.ModelRegistryFacade;
import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.node.NodeServer;
import io.verinfer.node.PaidSettings;
import io.verinfer.node.ProviderNode;
import io.verinfer.node.disputes.DutySettings;
import io.verinfer.node.metrics.PrometheusText;
import io.verinfer.node.onchain.Assignment.State;
import io.verinfer.node.payment.Settler;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.packs.train.BuildPacks;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * For the on-chain ITs: the real {@code fraud-detect} pack published on the shared devnet, and a
 * real paid provider node (dev account {@link Actors#PROVIDER_0}, the model's only provider, so
 * every request is assigned to it) serving it, one confirmation deep, polling every 200 ms; stopped
 * and started again on the same state and endpoint.
 */
final class OnchainProvider implements AutoCloseable {
  static final int ACCOUNT = Actors.PROVIDER_0;
  static final Address ME = Actors.address(ACCOUNT);
  static final TokenAmount PRICE = TokenAmount.of(2_000);
  static final Duration WAIT = Duration.ofSeconds(60);

  private final Path dir;
  private final Path pack;
  private final ModelId model;
  private final int port;
  private ProviderNode node;

  private OnchainProvider(Path dir, Path pack, ModelId model, int port) {
    this.dir = dir;
    this.pack = pack;
    this.model = model;
    this.port = port;
  }

  /** Builds and publishes the pack (as author 0 of {@code actors}), then starts the node. */
  static OnchainProvider publishAndStart(Actors actors, Path dir) throws IOException {
    return publishAndStart(actors, dir, BuildPacks.build("fraud-detect", dir.resolve("packs")));
  }

  /** Publishes {@code pack} (as author 0 of {@code actors}), then starts the node serving it. */
  static OnchainProvider publishAndStart(Actors actors, Path dir, Path pack) throws IOException {
    ModelManifest manifest = ModelManifest.read(pack);
    ModelId model =
        actors
            .author(0)
            .models()
            .publish(
                new ModelRegistryFacade.Publication(
                    Cid.of(Files.readAllBytes(manifest.modelFile(pack))),
                    "onnx",
                    manifest.schemaHash(),
                    50, // 0.5 % royalty
                    manifest.tolerancePpm()));
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort(); // one endpoint for every restart: no updateEndpoint transaction
    }
    OnchainProvider provider = new OnchainProvider(dir, pack, model, port);
    provider.start(SharedDevnet.get().deployment(), s -> s);
    return provider;
  }

  ModelId model() {
    return model;
  }

  ProviderNode node() {
    return node;
  }

  /** Starts the node on its state, with the default on-chain settings changed by {@code tweak}. */
  void start(Deployment deployment, UnaryOperator<OnchainSettings> tweak) {
    if (node != null) {
      throw new IllegalStateException("the provider node is running");
    }
    Path ledger = dir.resolve("node").resolve("ledger.db");
    OnchainSettings onchain =
        OnchainSettings.besideLedger(ledger)
            .withPollInterval(Duration.ofMillis(200))
            .withConfirmations(1);
    PaidSettings paid =
        new PaidSettings(
                deployment,
                DevAccounts.account(ACCOUNT),
                ledger,
                Map.of(),
                PRICE,
                new Settler.Policy(
                    TokenAmount.ofTokens("1"), Duration.ofHours(1), 100, Duration.ofHours(1)))
            .withCommitteeDuty(DutySettings.off())
            .withOnchainRequests(tweak.apply(onchain));
    node =
        ProviderNode.start(
            new ProviderNode.Config(
                dir.resolve("node").resolve("store"),
                List.of(pack),
                new NodeServer.Options("127.0.0.1", port, 16L << 20),
                EngineConfig.defaults(),
                false,
                paid),
            s -> {});
  }

  void stop() {
    if (node != null) {
      node.close();
      node = null;
    }
  }

  void restart(Deployment deployment, UnaryOperator<OnchainSettings> tweak) {
    stop();
    start(deployment, tweak);
  }

  void restart() {
    restart(SharedDevnet.get().deployment(), s -> s);
  }

  SqliteRequestStore store() {
    return node.onchainRequests().orElseThrow().store();
  }

  List<State> states(long id) {
    return store().ofRequest(id).stream().map(Assignment::state).toList();
  }

  List<Proposal.State> proposals(long id) {
    return store().proposalsOf(id).stream().map(Proposal::state).toList();
  }

  double metric(String series) {
    return PrometheusText.parse(node.metrics().scrape()).getOrDefault(series, 0.0);
  }

  /** Waits up to {@link #WAIT} for {@code done}, polling every 100 ms. */
  static void await(String what, BooleanSupplier done) throws InterruptedException {
    Instant deadline = Instant.now().plus(WAIT);
    while (!done.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("not within " + WAIT + ": " + what);
      }
      Thread.sleep(100);
    }
  }

  @Override
  public void close() {
    stop();
  }
}
