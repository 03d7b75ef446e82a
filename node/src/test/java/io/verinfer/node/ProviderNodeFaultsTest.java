package io.verinfer.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.verinfer.chain.ContractErrors;
import io.verinfer.chain.Deployment;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.node.faults.FaultInjection;
import io.verinfer.node.payment.Settler;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.runtime.EngineConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fault injection is refused before a node starts unless its chain is the devnet. */
class ProviderNodeFaultsTest {
  @TempDir Path dir;

  private ProviderNode.Config unpaid() {
    return new ProviderNode.Config(
        dir.resolve("store"),
        List.of(),
        NodeServer.Options.loopback(),
        EngineConfig.defaults(),
        true);
  }

  /** Paid settings claiming {@code chainId}, pointing at an RPC URL nothing listens on. */
  private ProviderNode.Config paidOn(long chainId) {
    return paidOn(chainId, URI.create("http://127.0.0.1:9"));
  }

  private ProviderNode.Config paidOn(long chainId, URI rpc) {
    Map<String, String> contracts = new LinkedHashMap<>();
    ContractErrors.CONTRACTS.forEach(
        name -> contracts.put(name, "0x000000000000000000000000000000000000dEaD"));
    Deployment deployment =
        new Deployment(
            chainId,
            rpc,
            0,
            "0x000000000000000000000000000000000000dEaD",
            "0x000000000000000000000000000000000000dEaD",
            contracts,
            List.of());
    return new ProviderNode.Config(
        dir.resolve("store"),
        List.of(),
        NodeServer.Options.loopback(),
        EngineConfig.defaults(),
        false,
        new PaidSettings(
            deployment,
            DevAccounts.account(8),
            dir.resolve("ledger.db"),
            Map.of(),
            TokenAmount.of(1_000),
            new Settler.Policy(
                TokenAmount.of(1_000), Duration.ofHours(1), 100, Duration.ofHours(1))));
  }

  @Test
  void aPaidNodeOnAnotherChainIsRefusedBeforeItConnects() {
    assertThatThrownBy(
            () -> ProviderNode.start(paidOn(1).withFaults(new FaultInjection(0.1, 0)), s -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("faults.corruptFraction")
        .hasMessageContaining("not on chain 1");
    assertThat(dir.resolve("ledger.db")).doesNotExist();
    assertThat(dir.resolve("store")).doesNotExist();
  }

  @Test
  void aDeploymentFileClaimingTheDevnetIsCheckedAgainstTheChainItself() throws Exception {
    // a JSON-RPC endpoint of chain 1 (answers every call with 0x1; the node asks only eth_chainId
    // before it refuses)
    HttpServer rpc =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    rpc.createContext(
        "/",
        exchange -> {
          String request = new String(exchange.getRequestBody().readAllBytes(), UTF_8);
          Matcher id = Pattern.compile("\"id\"\\s*:\\s*(\\d+)").matcher(request);
          byte[] answer =
              ("{\"jsonrpc\":\"2.0\",\"id\":"
                      + (id.find() ? id.group(1) : "1")
                      + ",\"result\":\"0x1\"}")
                  .getBytes(UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, answer.length);
          exchange.getResponseBody().write(answer);
          exchange.close();
        });
    rpc.start();
    try {
      URI url = URI.create("http://127.0.0.1:" + rpc.getAddress().getPort());
      assertThatThrownBy(
              () ->
                  ProviderNode.start(
                      paidOn(31_337, url).withFaults(new FaultInjection(0.1, 0)), s -> {}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("faults.corruptFraction")
          .hasMessageContaining("not on chain 1");
    } finally {
      rpc.stop(0);
    }
  }

  @Test
  void aNodeWithoutAChainIsRefusedSinceItCannotShowItIsOnTheDevnet() {
    assertThatThrownBy(
            () -> ProviderNode.start(unpaid().withFaults(new FaultInjection(1.0, 0)), s -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("faults.corruptFraction")
        .hasMessageContaining("no chain");
  }

  @Test
  void fractionZeroNeedsNoChainAndCountsNothing() throws Exception {
    try (ProviderNode node =
        ProviderNode.start(unpaid().withFaults(new FaultInjection(0.0, 5)), s -> {})) {
      assertThat(node.metrics().scrape()).contains("verinfer_faults_injected_total 0.0");
    }
    assertThat(Files.isDirectory(dir.resolve("store"))).isTrue();
  }
}
