package io.verinfer.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.chain.VerinferChain;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.chain.devnet.DevnetSupervisor;
import io.verinfer.chain.facade.ModelRegistryFacade;
import io.verinfer.node.payment.Settler;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.protocol.tls.TlsPin;
import io.verinfer.runtime.EngineConfig;
import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.packs.train.BuildPacks;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.protocol.core.DefaultBlockParameterName;

/**
 * A paid node's TLS key lives in its data dir: a restart presents the same key and sends no
 * transaction; a new key is rotated on-chain with one {@code updateEndpoint}.
 */
class TlsKeyRotationIT {
  private static final int PROVIDER = 9;

  @TempDir Path dir;

  @Test
  void aRestartKeepsTheKeyAndANewKeyRotatesTheOnChainPin() throws Exception {
    try (DevnetSupervisor devnet =
        DevnetSupervisor.start(DevnetSupervisor.Options.defaults(), s -> {})) {
      Path pack = BuildPacks.build("fraud-detect", dir.resolve("packs"));
      ModelManifest manifest = ModelManifest.read(pack);
      try (VerinferChain author =
          VerinferChain.connect(devnet.deployment(), DevAccounts.account(14))) {
        author
            .models()
            .publish(
                new ModelRegistryFacade.Publication(
                    Cid.of(Files.readAllBytes(manifest.modelFile(pack))),
                    "onnx",
                    manifest.schemaHash(),
                    50, // 0.5 % royalty
                    1_000));
      }
      PaidSettings paid =
          new PaidSettings(
              devnet.deployment(),
              DevAccounts.account(PROVIDER),
              dir.resolve("data").resolve("ledger.db"),
              Map.of("fraud-detect", TokenAmount.of(2_000)),
              TokenAmount.of(1_000),
              new Settler.Policy(
                  TokenAmount.ofTokens("1"), Duration.ofHours(1), 100, Duration.ofHours(1)));
      int port;
      try (ServerSocket free = new ServerSocket(0)) {
        port = free.getLocalPort(); // a fixed port: a restart keeps its endpoint too
      }
      NodeServer.Options options = new NodeServer.Options("127.0.0.1", port, 16L << 20);
      Path keyFile = dir.resolve("data").resolve(ProviderNode.TLS_FILE);

      try (VerinferChain reader =
          VerinferChain.connect(devnet.deployment(), DevAccounts.account(2))) {
        Address me = Address.of(DevAccounts.account(PROVIDER).getAddress());
        TlsPin first;
        try (ProviderNode node = start(pack, options, paid)) {
          first = node.tlsPin().orElseThrow();
          assertThat(node.baseUrl()).startsWith("https://");
          assertThat(reader.providers().provider(me).tlsFingerprint())
              .isEqualTo(first.spkiSha256());
        }
        assertThat(Files.getPosixFilePermissions(keyFile))
            .isEqualTo(PosixFilePermissions.fromString("rw-------"));

        BigInteger nonce = nonceOf(reader, me);
        try (ProviderNode node = start(pack, options, paid)) {
          assertThat(node.tlsPin()).contains(first);
          assertThat(health(node.tlsPin().orElseThrow(), node)).isEqualTo(200);
        }
        assertThat(nonceOf(reader, me))
            .as("a restart with the same key sends nothing")
            .isEqualTo(nonce);

        // rotation: a new key file, and the node updates its on-chain pin by itself
        NodeServer.Options rotated =
            options.withTransport(NodeServer.Transport.tls().at(dir.resolve("rotated.p12")));
        try (ProviderNode node = start(pack, rotated, paid)) {
          TlsPin second = node.tlsPin().orElseThrow();
          assertThat(second).isNotEqualTo(first);
          assertThat(reader.providers().provider(me).tlsFingerprint())
              .isEqualTo(second.spkiSha256());
          assertThat(nonceOf(reader, me)).isEqualTo(nonce.add(BigInteger.ONE));
          assertThat(health(second, node)).isEqualTo(200);
          assertThatThrownBy(() -> health(first, node))
              .isInstanceOf(SSLHandshakeException.class)
              .hasStackTraceContaining("TLS key mismatch");
        }
      }
    }
  }

  private ProviderNode start(Path pack, NodeServer.Options options, PaidSettings paid) {
    return ProviderNode.start(
        new ProviderNode.Config(
            dir.resolve("store"), List.of(pack), options, EngineConfig.defaults(), false, paid),
        s -> {});
  }

  private static int health(TlsPin pin, ProviderNode node) throws Exception {
    return PinnedHttp.to(java.util.Optional.of(pin))
        .send(
            HttpRequest.newBuilder(URI.create(node.baseUrl() + "/health")).build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  private static BigInteger nonceOf(VerinferChain chain, Address account) throws Exception {
    return chain
        .web3j()
        .ethGetTransactionCount(account.toString(), DefaultBlockParameterName.LATEST)
        .send()
        .getTransactionCount();
  }
}
