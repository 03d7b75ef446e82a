package io.verinfer.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verinfer.chain.ContractErrors;
import io.verinfer.chain.Deployment;
import io.verinfer.chain.devnet.DevAccounts;
import io.verinfer.node.faults.FaultInjection;
import io.verinfer.node.payment.Settler;
import io.verinfer.protocol.TokenAmount;
import io.verinfer.runtime.EngineConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    Map<String, String> contracts = new LinkedHashMap<>();
    ContractErrors.CONTRACTS.forEach(
        name -> contracts.put(name, "0x000000000000000000000000000000000000dEaD"));
    Deployment deployment =
        new Deployment(
            chainId,
            URI.create("http://127.0.0.1:9"),
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
