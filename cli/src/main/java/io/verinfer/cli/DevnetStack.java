package io.verinfer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.verinfer.chain.Deployment;
import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.devnet.DevnetSupervisor;
import io.verinfer.chain.facade.ModelRegistryFacade;
import io.verinfer.node.NodeServer;
import io.verinfer.node.PaidSettings;
import io.verinfer.node.ProviderNode;
import io.verinfer.node.payment.Settler;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.packs.DemoPacks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.web3j.utils.Numeric;

/**
 * Everything {@code verinfer devnet} runs on one machine: the chain with the contracts, the demo
 * models published (by dev account 14), four paid provider nodes (dev accounts 8 to 11, each
 * serving every demo pack at its own price), and a consumer (dev account 2) with a deposit.
 */
final class DevnetStack implements AutoCloseable {
  static final int AUTHOR = 14;
  static final int FIRST_PROVIDER = 8;
  static final int PROVIDERS = 4; // a committee needs 3 candidates besides the accused
  static final int CONSUMER = 2;
  static final TokenAmount CONSUMER_DEPOSIT = TokenAmount.ofTokens("1000");

  /** What the examples need, written to the state file. */
  record State(
      long chainId,
      String rpcUrl,
      Map<String, String> contracts,
      Map<String, Long> models,
      List<Map<String, String>> providers,
      Map<String, String> consumer,
      String gateway,
      String deploymentFile) {}

  private final DevnetSupervisor devnet;
  private final List<ProviderNode> nodes = new ArrayList<>();
  private io.verinfer.client.VerinferClient client;
  private io.verinfer.client.gateway.Gateway gateway;
  private final State state;

  /** The stack with providers serving HTTPS (each key beside its ledger, pinned on-chain). */
  DevnetStack(Path workDir, Path stateFile, int gatewayPort, Consumer<String> progress) {
    this(workDir, stateFile, gatewayPort, false, progress);
  }

  /**
   * @param plainHttp providers serve plain HTTP (the devnet's clients accept it) instead of HTTPS
   */
  DevnetStack(
      Path workDir, Path stateFile, int gatewayPort, boolean plainHttp, Consumer<String> progress) {
    Path deploymentFile = workDir.resolve("deployment.json");
    this.devnet =
        DevnetSupervisor.start(
            DevnetSupervisor.Options.defaults().withDeploymentFile(deploymentFile), progress);
    try {
      Deployment d = devnet.deployment();
      devnet.mineEvery(Duration.ofSeconds(2)); // like a live chain: disputes wait for blocks
      progress.accept("the devnet mines a block every 2 s as well as one per transaction");
      List<Path> packs = DemoPacks.ensure(workDir.resolve("packs"), progress);
      Map<String, Long> models = publish(d, packs, progress);
      List<Map<String, String>> providers = new ArrayList<>();
      for (int i = 0; i < PROVIDERS; i++) {
        int account = FIRST_PROVIDER + i;
        Map<String, TokenAmount> prices = new LinkedHashMap<>();
        // prices sit well above each model's royalty (1,000 base units for the trained packs)
        prices.put("fraud-detect", TokenAmount.of(10_000L + 2_000L * i));
        prices.put("amm-fee", TokenAmount.of(10_000L + 2_000L * i));
        prices.put("minilm-embed", TokenAmount.of(5_000L + 1_000L * i));
        // per output token; prompt tokens at half that (the node's default input price)
        prices.put("verinfer-chat", TokenAmount.of(200L + 20L * i));
        ProviderNode node =
            ProviderNode.start(
                new ProviderNode.Config(
                    workDir.resolve("store"),
                    packs,
                    plainHttp
                        ? NodeServer.Options.loopback().withTransport(NodeServer.Transport.plain())
                        : NodeServer.Options.loopback(),
                    new EngineConfig(1, 1, 1L << 30, 32, Duration.ZERO, false),
                    false,
                    new PaidSettings(
                        d,
                        DevAccounts.account(account),
                        workDir.resolve("provider-" + account).resolve("ledger.db"),
                        prices,
                        TokenAmount.of(1_000),
                        new Settler.Policy(
                            TokenAmount.ofTokens("1"),
                            Duration.ofMinutes(2),
                            100,
                            Duration.ofSeconds(10)))),
                line -> progress.accept("provider " + account + ": " + line));
        nodes.add(node);
        Map<String, String> provider = new LinkedHashMap<>();
        provider.put("address", DevAccounts.account(account).getAddress());
        provider.put("endpoint", node.baseUrl());
        // the pin as registered on-chain, and as curl --pinnedpubkey sha256//… wants it
        node.tlsPin().ifPresent(p -> provider.put("tlsPin", p.toString()));
        node.tlsPin().ifPresent(p -> provider.put("tlsPinBase64", NodeCommand.curlPin(p)));
        providers.add(provider);
      }
      try (VerinferChain consumer = VerinferChain.connect(d, DevAccounts.account(CONSUMER))) {
        consumer.token().approve(consumer.channels().address(), CONSUMER_DEPOSIT);
        consumer.channels().deposit(CONSUMER_DEPOSIT);
      }
      try (VerinferChain admin = VerinferChain.connect(d, DevAccounts.account(0))) {
        // committees are drawn from the stake snapshot at the end of the previous epoch: close
        // one now, so disputes can be judged by the providers just started
        devnet.mine(admin.providers().epochBlocks());
      }
      progress.accept(
          "consumer " + DevAccounts.account(CONSUMER).getAddress() + " deposited 1000 VRF");
      client =
          io.verinfer.client.VerinferClient.connect(
              d,
              DevAccounts.account(CONSUMER),
              workDir.resolve("consumer"),
              io.verinfer.client.ClientOptions.defaults());
      Map<String, ModelId> names = new LinkedHashMap<>();
      models.forEach((name, id) -> names.put(name, ModelId.of(id)));
      gateway = new io.verinfer.client.gateway.Gateway(client, names, "127.0.0.1", gatewayPort);
      progress.accept("gateway paying from the consumer's wallet at " + gateway.baseUrl());
      this.state =
          new State(
              d.chainId(),
              d.rpcUrl().toString(),
              d.contracts(),
              models,
              providers,
              Map.of(
                  "address",
                  DevAccounts.account(CONSUMER).getAddress(),
                  "privateKey",
                  Numeric.toHexStringWithPrefixZeroPadded(
                      DevAccounts.account(CONSUMER).getEcKeyPair().getPrivateKey(), 64),
                  "note",
                  "Hardhat's public test key: devnet only"),
              gateway.baseUrl(),
              deploymentFile.toAbsolutePath().toString());
      write(stateFile, state);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private static Map<String, Long> publish(
      Deployment d, List<Path> packs, Consumer<String> progress) {
    Map<String, Long> ids = new LinkedHashMap<>();
    try (VerinferChain author = VerinferChain.connect(d, DevAccounts.account(AUTHOR))) {
      for (Path pack : packs) {
        ModelManifest m = ModelManifest.read(pack);
        Cid cid = Cid.of(Files.readAllBytes(m.modelFile(pack)));
        ModelId id =
            author
                .models()
                .idOf(cid)
                .orElseGet(
                    () ->
                        author
                            .models()
                            .publish(
                                new ModelRegistryFacade.Publication(
                                    cid,
                                    "onnx",
                                    m.schemaHash(),
                                    m.royaltyBps() == null ? 0 : Integer.parseInt(m.royaltyBps()),
                                    m.tolerancePpm())));
        ids.put(m.name(), id.value());
        progress.accept("published " + m.name() + " as model " + id.value() + " (" + cid + ")");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read a demo pack", e);
    }
    return ids;
  }

  private static void write(Path file, State state) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(file.toFile(), state);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the state file " + file, e);
    }
  }

  State state() {
    return state;
  }

  Deployment deployment() {
    return devnet.deployment();
  }

  @Override
  public void close() {
    if (gateway != null) {
      gateway.close();
    }
    if (client != null) {
      client.close();
    }
    for (ProviderNode node : nodes) {
      try {
        node.close();
      } catch (RuntimeException e) {
        // keep stopping the rest
      }
    }
    devnet.close();
  }
}
